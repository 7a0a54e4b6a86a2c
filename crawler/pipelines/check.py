"""Check pipeline (ITEM_PIPELINES order 300): each guide item gets its checked store entry.

Runs after the attachment pipeline (100) has filled the form links, so E4 checks see the
verified files, and before the store pipeline (500) that saves the entry. On exactly when the
store is (setting GUIDEAUDIT_DB): a check nobody keeps is wasted. With GUIDEAUDIT_CHECK_IN_WRITER
(the default) the guide is handed on unchecked and the store's writer process runs the same
``check_item`` on it, off the crawl's GIL (docs/sweeps.md, bench/sweep_bench.py).
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from scrapy.exceptions import NotConfigured

from guideaudit.record import GuideRecord
from guideaudit.store import GuideEntry, RawPage

logger = logging.getLogger(__name__)

# Evidence kept per guide page; a portal page larger than this is cut (DOWNLOAD_MAXSIZE caps
# the fetch itself, this caps what one guide costs the store).
RAW_MAX_BYTES = 4 * 1024 * 1024


def raw_page(raw: dict | None) -> RawPage | None:
    if not raw:
        return None
    body = raw.get("body")
    if body is None:
        return None
    if isinstance(body, str):
        body = body.encode(raw.get("encoding") or "utf-8", "replace")
    return RawPage(
        url=raw.get("url"),
        content_type=raw.get("content_type"),
        encoding=raw.get("encoding"),
        body=bytes(body[:RAW_MAX_BYTES]),
    )


def build_entry(record: GuideRecord, raw: dict | None = None) -> GuideEntry:
    """Check one record and shape the result as the store keeps it."""
    from guideaudit.checks import check_guide
    from guideaudit.checks.settings import active_settings
    from guideaudit.checks.stored import entry_of

    return entry_of(record, check_guide(record, active_settings()), raw_page(raw))


class CheckPipeline:
    """Turns {"kind": "guide"} items into items carrying a GuideEntry under "entry".

    A record that breaks the canonical shape, or one the checker cannot handle, becomes a
    failure of the sweep (kind "fetch_failure" with the reason), never a silent loss.
    """

    def __init__(self, in_writer: bool = False) -> None:
        self.in_writer = in_writer

    @classmethod
    def from_crawler(cls, crawler):
        from guideaudit.crawler.lifecycle import db_setting

        if not db_setting(crawler.settings):
            raise NotConfigured  # silent: a crawl without a store (runner, JSONL) checks nothing
        from guideaudit.checks.settings import SettingsError

        try:
            apply_check_settings(crawler.settings)
        except SettingsError:
            raise NotConfigured from None  # the lifecycle extension has said why and refuses the crawl
        return cls(crawler.settings.getbool("GUIDEAUDIT_CHECK_IN_WRITER", True))

    def process_item(self, item):
        if not isinstance(item, dict) or item.get("kind") != "guide":
            return item
        if self.in_writer:
            return item  # the store pipeline sends the record to its writer, which checks it
        raw = item.get("raw") or {}
        entry, error = check_item(item.get("record"), raw)
        if entry is None:
            url = raw.get("url") or (item.get("record") or {}).get("url")
            return _failure(url, raw.get("status"), error)
        item["entry"] = entry
        return item


def apply_check_settings(settings) -> None:
    """``-s GUIDEAUDIT_CHECK_SETTINGS=FILE`` checks with that file, here, in the writer process
    and in extraction workers alike (they read it from the environment). SettingsError when the
    file is bad."""
    path = settings.get("GUIDEAUDIT_CHECK_SETTINGS")
    if not path:
        return
    import os

    from guideaudit.checks.settings import SETTINGS_ENV, load_settings

    load_settings(path)
    os.environ[SETTINGS_ENV] = os.path.abspath(path)


def check_item(record: dict | None, raw: dict | None, log: bool = True) -> tuple[GuideEntry | None, str | None]:
    """(entry, None), or (None, the failure's error text): a record that breaks the canonical
    shape, or one the checker cannot handle, is a failure of the sweep, never a silent loss."""
    url = (raw or {}).get("url") or (record or {}).get("url")
    try:
        parsed = GuideRecord.model_validate(record)
    except (ValidationError, KeyError, TypeError) as err:
        if log:
            logger.error("invalid guide record from %s: %s", url, err)
        return None, f"记录无效：{_short(err)}"
    try:
        return build_entry(parsed, raw), None
    except Exception as err:  # one odd guide must not end a 10,000-guide sweep
        if log:
            logger.exception("checker failed on %s (%s)", parsed.id, url)
        return None, f"检查程序出错：{type(err).__name__}: {_short(err)}"


def _short(err: BaseException, limit: int = 300) -> str:
    text = str(err).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def _failure(url: str | None, status, error: str) -> dict:
    return {"kind": "fetch_failure", "url": url or "", "status": status, "error": error, "referer": None}
