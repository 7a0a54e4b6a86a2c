"""Write every item to a JSON Lines file (setting GUIDEAUDIT_JSONL_OUT), for runs without the
sweep's store: `scrapy crawl generic -a url=… -s GUIDEAUDIT_JSONL_OUT=guides.jsonl`.

The raw page body is bytes: it is written as its length (``body_bytes``) unless
GUIDEAUDIT_JSONL_BODY is on, then as base64 (``body_base64``).
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

from scrapy.exceptions import NotConfigured

from guideaudit.text import json_text

logger = logging.getLogger(__name__)


class JsonLinesPipeline:
    def __init__(self, path: str, keep_body: bool) -> None:
        self.path = Path(path)
        self.keep_body = keep_body
        self._file = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> JsonLinesPipeline:
        path = crawler.settings.get("GUIDEAUDIT_JSONL_OUT")
        if not path:
            # Off unless asked for: NotConfigured without a message, so Scrapy logs no warning.
            logger.debug("JsonLinesPipeline off (GUIDEAUDIT_JSONL_OUT not set)")
            raise NotConfigured
        return cls(path, crawler.settings.getbool("GUIDEAUDIT_JSONL_BODY", False))

    def open_spider(self, spider: Any = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def close_spider(self, spider: Any = None) -> None:
        if self._file is not None:
            self._file.close()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        data = dict(item)
        data.pop("entry", None)  # a checked GuideEntry (GUIDEAUDIT_CHECK_IN_WRITER=0): the store's, not JSON
        raw = data.get("raw")
        if isinstance(raw, dict) and isinstance(raw.get("body"), (bytes, bytearray)):
            raw = dict(raw)
            body = raw.pop("body")
            if self.keep_body:
                raw["body_base64"] = base64.b64encode(body).decode("ascii")
            else:
                raw["body_bytes"] = len(body)
            data["raw"] = raw
        self._file.write(json_text(data) + "\n")
        self._file.flush()
        return item
