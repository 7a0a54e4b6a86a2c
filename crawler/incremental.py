"""Incremental re-sweeps (`guideaudit sweep --incremental`), the crawl's side.

A sweep with GUIDEAUDIT_BASE_SWEEP=N (and GUIDEAUDIT_DB) reads what sweep N recorded of each
guide page and attachment (store table ga_validators, written by every sweep) and avoids work
for what has not changed:

- ConditionalRequests (a downloader middleware) sends the ETag / Last-Modified sweep N got for a
  guide page, API detail or attachment back as If-None-Match / If-Modified-Since; a 304 means
  unchanged (the spider reuses the guide, the attachment pipeline its verified result);
- a list entry whose change marker (a profile's ``api.list.marker`` / ``list_markers``) equals
  the one sweep N saw is not requested at all;
- a page whose bytes hash as sweep N's did is not extracted again.

Each of these yields a ``{"kind": "reused", "guides": [...]}`` item instead of guides; the store's writer links
sweep N's version, verdicts, defects and 待核实 into the new sweep (pipelines/reuse.py), unless
the guide's attachments now verify differently or the checks changed, in which case the stored
record is checked again. List pages and robots.txt are always fetched, so a guide no longer
listed is not carried over. Fetching and extraction only: nothing here knows the checks.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from scrapy.exceptions import NotConfigured

from guideaudit.vocab import LEDGER_KINDS

logger = logging.getLogger(__name__)

BASE_SETTING = "GUIDEAUDIT_BASE_SWEEP"
# How a guide was found unchanged (counted per sweep as reused_<how>).
HOW = ("not_modified", "marker", "same_body", "same_content")
# The sweep ledger's kinds for a guide URL, as ga_validators.outcome records them.
STORED, REUSED = LEDGER_KINDS["stored"].code, LEDGER_KINDS["reused"].code
MAX_FOLLOW = 50  # links of a guide page kept to follow again when the page is reused


@dataclass(frozen=True)
class PreviousGuide:
    url: str  # the page URL as listed (the key)
    fetch_url: str | None  # what was requested for it (API: the detail call); None: not conditional
    guide_id: str
    etag: str | None
    last_modified: str | None
    marker: str | None
    body_hash: str | None
    links: str | None  # JSON {attachment url: result digest}
    follow: tuple[str, ...] = ()


@dataclass
class Previous:
    """What the base sweep saw: guides by listed URL, validators by fetched URL (pages and
    attachments), attachment results by URL."""

    sweep_id: int
    guides: dict[str, PreviousGuide] = field(default_factory=dict)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    attachments: dict[str, dict] = field(default_factory=dict)


_LOADED: dict[tuple[str, int], Previous] = {}


def base_sweep(settings) -> int | None:
    return settings.getint(BASE_SETTING) or None


def load_previous(db_url: str, sweep_id: int) -> Previous:
    """Sweep ``sweep_id``'s validators, once per process."""
    key = (db_url, sweep_id)
    if key in _LOADED:
        return _LOADED[key]
    from guideaudit.store import Store

    store = Store(db_url)
    try:
        previous = Previous(sweep_id)
        for row in store.validators(sweep_id, "guide"):
            follow = tuple(json.loads(row["follow"])) if row["follow"] else ()
            previous.guides[row["url"]] = PreviousGuide(
                row["url"], row["fetch_url"], row["guide_id"], row["etag"], row["last_modified"],
                row["marker"], row["body_hash"], row["links"], follow,
            )
            if row["fetch_url"] and (row["etag"] or row["last_modified"]):
                previous.validators[row["fetch_url"]] = (row["etag"], row["last_modified"])
        for row in store.validators(sweep_id, "attachment"):
            if row["result"] and (row["etag"] or row["last_modified"]):
                previous.attachments[row["url"]] = json.loads(row["result"])
                previous.validators[row["url"]] = (row["etag"], row["last_modified"])
    finally:
        store.close()
    _LOADED[key] = previous
    logger.info("incremental: base sweep %d: %d guides, %d validators", sweep_id, len(previous.guides), len(previous.validators))
    return previous


def previous_of(crawler) -> Previous | None:
    """The base sweep's state for this crawl, or None for a full sweep."""
    settings = crawler.settings
    # (lifecycle.db_setting, spelled here: the spiders import this module, and must not reach
    # the lifecycle, which runs the checks)
    db = settings.get("GUIDEAUDIT_DB") or settings.get("GUIDEAUDIT_DB_URL")
    base = base_sweep(settings)
    if not base or not db:
        return None
    return load_previous(db, base)


def validators_of(response) -> tuple[str | None, str | None]:
    def header(name: bytes) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1")[:300] if value else None

    return header(b"ETag"), header(b"Last-Modified")


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def listed_url(response) -> str:
    """The URL a guide page was requested under (before redirects): what the list linked."""
    return response.meta.get("guideaudit_key") or (response.meta.get("redirect_urls") or [response.url])[0]


def fetch_info(response, conditional: bool = True, follow: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """What the store keeps of a fetched guide page for the next incremental sweep."""
    etag, last_modified = validators_of(response) if conditional else (None, None)
    return {
        "url": listed_url(response),
        "fetch_url": response.url if conditional else None,
        "etag": etag,
        "last_modified": last_modified,
        "marker": response.meta.get("guideaudit_marker"),
        "follow": list(follow)[:MAX_FOLLOW],
    }


def reused_item(entries: list[dict]) -> dict:
    """Guides found unchanged (one 304, or every unchanged entry of a list page: one item, not
    one per guide, so Scrapy's per-item work is paid per page): the writer links the base
    sweep's rows for them."""
    return {"kind": "reused", "guides": entries}


def reused_entry(previous: Previous, prev: PreviousGuide, how: str, response=None, marker: str | None = None) -> dict:
    etag, last_modified = validators_of(response) if response is not None else (None, None)
    return {
        "how": how,
        "base": previous.sweep_id,
        "url": prev.url,
        "fetch_url": prev.fetch_url,
        "guide_id": prev.guide_id,
        "etag": etag or prev.etag,
        "last_modified": last_modified or prev.last_modified,
        "marker": marker if marker is not None else prev.marker,
        "body_hash": prev.body_hash,
        "links": prev.links,
        "follow": list(prev.follow),
    }


def marker_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:300]


class ConditionalRequests:
    """Downloader middleware (DOWNLOADER_MIDDLEWARES in crawler/settings.py): a GET for a URL the
    base sweep got validators for carries them (If-None-Match / If-Modified-Since), and its 304
    reaches the spider or the attachment pipeline instead of being dropped as an HTTP error.
    Off (NotConfigured) unless the sweep is incremental."""

    def __init__(self, previous: Previous, stats) -> None:
        self.previous = previous
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        previous = previous_of(crawler)
        if previous is None:
            raise NotConfigured
        return cls(previous, crawler.stats)

    def process_request(self, request, spider=None):
        if request.method != "GET" or request.meta.get("guideaudit_unconditional"):
            return None
        found = self.previous.validators.get(request.url)
        if found is None or b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return None
        etag, last_modified = found
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        allowed = request.meta.get("handle_httpstatus_list") or []
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        self.stats.inc_value("guideaudit/incremental/conditional")
        return None

    def process_response(self, request, response, spider=None):
        if response.status == 304:
            self.stats.inc_value("guideaudit/incremental/not_modified")
        return response
