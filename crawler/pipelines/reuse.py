"""The store writer's side of incremental re-sweeps (crawler/incremental.py).

A batch the store pipeline hands to the writer may hold, besides guides to check:
- ``Fetched``: a guide fetched and extracted, with what the next sweep needs of its page
  (validators, list marker); when its content is exactly the base sweep's version (same version
  key) it is not checked again but carried over;
- ``Reused``: a guide the crawl found unchanged without reading it (304, unchanged list marker,
  same bytes). It is carried over (Store.carry_guides: the base sweep's version, verdicts,
  defects and 待核实 linked in bulk) when its attachments verified as before and the base sweep
  was checked exactly as this one is; otherwise its stored record is checked again with the
  attachments' new results.
Every guide leaves a validators row (schema.validators) for the sweep after this one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from guideaudit.record import GuideRecord, content_json
from guideaudit.store import GuideEntry, Store

from ..incremental import REUSED, STORED
from .attachments import RESULT_KEYS, form_links

logger = logging.getLogger(__name__)

RECHECKED = "rechecked"  # ga_validators.how of a guide reused unread but checked again


@dataclass
class Fetched:
    entry: Any  # a GuideEntry, or the (record, raw) pair the writer checks
    fetch: dict
    base: int | None = None


@dataclass
class Reused:
    item: dict


@dataclass
class Base:
    sweep_id: int
    hashes: dict[str, str]  # guide id → version key in the base sweep
    carry_ok: bool  # checked exactly as this sweep is: its verdicts can be linked as they are


@dataclass
class Resolved:
    to_check: list = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    carried: dict[str, int] = field(default_factory=lambda: {"guides": 0, "defects": 0, "attachments": 0})
    reused: Counter = field(default_factory=Counter)
    failed: list[tuple[str, Any, str]] = field(default_factory=list)


_BASES: dict[tuple[str, int, int], Base] = {}


def _run_key(run) -> tuple:
    return (run.checker_version, run.rules_digest, json.dumps(run.settings, sort_keys=True, default=str),
            json.dumps(run.captures, sort_keys=True))


def base_of(store: Store, base_id: int, sweep_id: int) -> Base:
    key = (store.url, base_id, sweep_id)
    if key not in _BASES:
        before = {_run_key(r) for r in store.check_runs(base_id)}
        now = {_run_key(r) for r in store.check_runs(sweep_id)}
        carry_ok = len(before) == 1 and before == now
        if not carry_ok:
            logger.warning("incremental: sweep %d was checked otherwise than base sweep %d: reused guides are checked again", sweep_id, base_id)
        _BASES[key] = Base(base_id, store.version_hashes(base_id), carry_ok)
    return _BASES[key]


def result_digest(result: dict[str, Any]) -> str:
    """Identity of an attachment's verified result (what E4 checks read)."""
    data = json.dumps([result.get(k) for k in RESULT_KEYS], ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:24]


def _link_digests(record: dict) -> list[list[str]]:
    """[url, result digest] of each verified form link, in record order (as counted)."""
    return [[link["url"], result_digest(link)] for link in form_links(record)
            if link.get("status") is not None or link.get("error")]


def _row(url: str, guide_id: str, data: dict, outcome: str, how: str | None, links: list,
         body: bytes | None = None) -> dict:
    return {
        "kind": "guide",
        "url": str(url)[:2000],
        "fetch_url": (str(data["fetch_url"])[:2000] if data.get("fetch_url") else None),
        "guide_id": guide_id,
        "etag": data.get("etag"),
        "last_modified": data.get("last_modified"),
        "marker": data.get("marker"),
        "body_hash": hashlib.sha256(body).hexdigest() if body is not None else data.get("body_hash"),
        "outcome": outcome,
        "how": how,
        "links": json.dumps(links, ensure_ascii=False),
        "follow": json.dumps(data.get("follow") or [], ensure_ascii=False),
    }


def _record_and_body(entry: Any) -> tuple[dict | None, bytes | None]:
    if isinstance(entry, GuideEntry):
        return entry.record.model_dump(mode="json"), entry.raw.body if entry.raw else None
    record, raw = entry
    body = (raw or {}).get("body")
    return record, (bytes(body) if isinstance(body, (bytes, bytearray)) else None)


def _version_key(record: dict) -> str | None:
    """The store's version key of a record (Store.save_guides), None when it is not valid."""
    try:
        data = GuideRecord.model_validate(record).model_dump(mode="json")
    except Exception:  # check_item reports it
        return None
    return hashlib.sha256(content_json(data).encode("utf-8")).hexdigest()


def resolve(store: Store, sweep_id: int, batch: list) -> Resolved:
    """Carry over what is unchanged (in the store, now), and return what must be checked."""
    out = Resolved()
    carry: dict[int, list[str]] = {}
    recheck: dict[int, list[dict]] = {}
    for entry in batch:
        if isinstance(entry, Fetched):
            record, body = _record_and_body(entry.entry)
            gid = str((record or {}).get("id") or "")
            links = _link_digests(record or {})
            base = base_of(store, entry.base, sweep_id) if entry.base and gid else None
            if base is not None and base.carry_ok and gid in base.hashes and _version_key(record) == base.hashes[gid]:
                carry.setdefault(base.sweep_id, []).append(gid)
                out.reused["same_content"] += 1
                out.carried["attachments"] += len(links)
                out.rows.append(_row(entry.fetch["url"], gid, entry.fetch, REUSED, "same_content", links, body))
            else:
                out.to_check.append(entry.entry)
                if gid:
                    out.rows.append(_row(entry.fetch["url"], gid, entry.fetch, STORED, None, links, body))
        elif isinstance(entry, Reused):
            item = entry.item
            base = base_of(store, int(item["base"]), sweep_id)
            before = json.loads(item.get("links") or "[]")
            results = item.get("link_results") or {}
            now = [[url, result_digest(results[url]) if url in results else ""] for url, _ in before]
            gid = item["guide_id"]
            if base.carry_ok and gid in base.hashes and now == before:
                carry.setdefault(base.sweep_id, []).append(gid)
                out.reused[item["how"]] += 1
                out.carried["attachments"] += len(now)
                out.rows.append(_row(item["url"], gid, item, REUSED, item["how"], now))
            else:
                recheck.setdefault(base.sweep_id, []).append(item)
        else:
            out.to_check.append(entry)
    for base_id, ids in carry.items():
        done = store.carry_guides(base_id, sweep_id, ids)
        out.carried["guides"] += done["guides"]
        out.carried["defects"] += done["defects"]
    for base_id, items in recheck.items():
        stored = store.stored_records(base_id, [i["guide_id"] for i in items])
        for item in items:
            found = stored.get(item["guide_id"])
            if found is None:
                out.failed.append((item["url"], None, "记录无效：上次抓取中没有这份指南，无法沿用"))
                continue
            record, raw = found
            results = item.get("link_results") or {}
            for link in form_links(record):
                if link["url"] in results:
                    link.update(results[link["url"]])
            raw_dict = {"url": raw.url, "status": None, "content_type": raw.content_type,
                        "encoding": raw.encoding, "body": raw.body} if raw else None
            out.to_check.append((record, raw_dict))
            out.reused["rechecked"] += 1
            out.rows.append(_row(item["url"], item["guide_id"], item, REUSED, RECHECKED, _link_digests(record)))
    return out
