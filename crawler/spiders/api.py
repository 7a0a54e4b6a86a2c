"""The JSON API family: a paged list endpoint, then detail endpoints, mapped by the profile.

List pages are POSTed (or GET) with the page number in the body; once the first page tells
the total, the remaining pages are requested at once. A guide key seen on an earlier page is
requested once (portals list one item under several themes). A detail answering a non-zero
status code, a "未找到匹配的信息" message or no data is not a guide. Extra endpoints of a
profile (materials, steps…) are fetched one after the other and merged into one document
that the profile's field mapping reads.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any
from urllib.parse import quote, urlencode, urljoin

import scrapy

from ..extract.jsonmap import _MISSING, map_record, resolve
from ..incremental import body_hash, marker_text, reused_item
from .base import GuideSpider, now_iso

logger = logging.getLogger(__name__)


def _json(response: Any) -> Any:
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return _MISSING


def not_a_guide(spec: Any, data: Any) -> str | None:
    """Why a detail response is not a guide (None when it is one). ``spec``: ApiDetail."""
    if data is _MISSING:
        return "响应不是 JSON"
    if spec.status_path:
        status = resolve(data, spec.status_path)
        if status is not _MISSING and status not in spec.status_ok:
            return f"{spec.status_path}={status}"
    if spec.message_path:
        msg = resolve(data, spec.message_path)
        if isinstance(msg, str) and msg.strip() in spec.not_found_messages:
            return msg.strip()
    if spec.require:
        got = resolve(data, spec.require)
        if got is _MISSING or got in (None, "", [], {}):
            return f"{spec.require} 为空"
    return None


class GuideApiSpider(GuideSpider):
    name = "api"
    family = "api"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.profile is None:
            raise ValueError("api 爬虫需要 profile 参数（门户配置）")
        self.api = self.profile.api
        self.seen_ids: set[str] = set()

    def _url(self, template: str, **values: Any) -> str:
        filled = template.format(base=self.base_url, **{k: quote(str(v), safe="") for k, v in values.items()})
        return urljoin(self.base_url + "/", filled.lstrip("/")) if not filled.startswith("http") else filled

    # -- list -----------------------------------------------------------------------------
    async def start(self):
        request = self.list_request(self.api.list.first_page)
        if request is not None:
            yield request

    def list_request(self, page: int) -> scrapy.Request | None:
        spec = self.api.list
        if not self._may_request():
            return None
        params = dict(spec.body)
        params[spec.page_key] = page
        if spec.page_size_key:
            params[spec.page_size_key] = spec.page_size
        url = self._url(spec.url)
        if spec.method == "GET":
            sep = "&" if "?" in url else "?"
            return scrapy.Request(url + sep + urlencode(params), callback=self.parse_list,
                                  errback=self.on_error, cb_kwargs={"page": page})
        if spec.body_format == "json":
            body = json.dumps(params, ensure_ascii=False)
            ctype = "application/json;charset=UTF-8"
        else:
            body, ctype = urlencode(params), "application/x-www-form-urlencoded"
        return scrapy.Request(
            url, method="POST", body=body, headers={"Content-Type": ctype},
            callback=self.parse_list, errback=self.on_error, cb_kwargs={"page": page},
        )

    def parse_list(self, response: Any, page: int):
        spec = self.api.list
        data = _json(response)
        items = resolve(data, spec.items) if data is not _MISSING else _MISSING
        if not isinstance(items, list):
            self.crawler.stats.inc_value("guideaudit/list_unreadable")
            yield {"kind": "fetch_failure", "url": response.url, "status": response.status,
                   "error": f"列表第 {page} 页不是预期的 JSON（{spec.items}）", "referer": None}
            return
        reused: list[dict] = []
        for item in items:
            gid = resolve(item, spec.id)
            if gid is _MISSING or gid in (None, ""):
                continue
            gid = str(gid)
            if gid in self.seen_ids:
                self.crawler.stats.inc_value("guideaudit/list_duplicates")
                continue
            self.seen_ids.add(gid)
            page_url = self._url(self.api.page_url, id=gid)
            if self.skipped(page_url):
                continue
            found = resolve(item, spec.marker) if spec.marker else _MISSING
            marker = None if found is _MISSING else marker_text(found)
            prev = self.previous.guides.get(page_url) if self.previous is not None and marker else None
            if prev is not None and prev.marker == marker:
                # the entry's update time is the one the base sweep saw: no detail request
                entry = self.reuse(prev, "marker", marker=marker)
                if entry is not None:
                    reused.append(entry)
                continue
            request = self.detail_request(gid, page_url, marker)
            if request is not None:
                yield request
        if reused:
            yield reused_item(reused)
        if not items:
            return
        total = resolve(data, spec.total) if spec.total else _MISSING
        if page == spec.first_page and isinstance(total, (int, str)) and str(total).isdigit():
            self.crawler.stats.set_value("guideaudit/expected_guides", int(total))  # for the ETA
            last = spec.first_page + math.ceil(int(total) / spec.page_size) - 1
            for n in range(page + 1, last + 1):
                request = self.list_request(n)
                if request is not None:
                    yield request
        elif spec.total is None or total is _MISSING:
            request = self.list_request(page + 1)
            if request is not None:
                yield request

    # -- detail ---------------------------------------------------------------------------
    def detail_request(self, gid: str, page_url: str, marker: str | None = None) -> scrapy.Request | None:
        if not self._may_request():
            return None
        meta = {"guideaudit_key": page_url}
        if marker is not None:
            meta["guideaudit_marker"] = marker
        if self.api.detail.requests:
            # the guide is several answers: a 304 on the first says nothing of the others
            meta["guideaudit_unconditional"] = True
        return scrapy.Request(
            self._url(self.api.detail.url, id=gid), callback=self.parse_detail, errback=self.on_error,
            cb_kwargs={"gid": gid, "page_url": page_url}, meta=meta,
        )

    def parse_detail(self, response: Any, gid: str, page_url: str):
        if response.status == 304 or not self.api.detail.requests:
            prev = self.previous.guides.get(page_url) if self.previous is not None else None
            if prev is not None and (response.status == 304 or prev.body_hash == body_hash(response.body)):
                entry = self.reuse(prev, "not_modified" if response.status == 304 else "same_body",
                                   response, response.meta.get("guideaudit_marker"))
                if entry is not None:
                    yield reused_item([entry])
                return
            if response.status == 304:
                yield {"kind": "fetch_failure", "url": response.url, "status": 304,
                       "error": "HTTP 304，但上次抓取没有这个指南", "referer": None}
                return
        data = _json(response)
        why = not_a_guide(self.api.detail, data)
        if why:
            self.crawler.stats.inc_value("guideaudit/not_a_guide")
            logger.info("不是办事指南（%s）：%s", why, response.url)
            return
        document = {"detail": data}
        pending = list(self.api.detail.requests.items())
        if pending:
            # the part requests carry the detail response: detached from its request (whose
            # callback is the spider's), so a distributed sweep can queue them as pickles
            response = response.replace(request=None)
        yield from self._next_part(response, gid, page_url, document, pending)

    def _next_part(self, main: Any, gid: str, page_url: str, document: dict, pending: list):
        if pending:
            name, template = pending[0]
            yield scrapy.Request(
                self._url(template, id=gid), callback=self.parse_part, errback=self.on_error,
                cb_kwargs={"main": main, "gid": gid, "page_url": page_url, "document": document,
                           "pending": pending, "name": name},
                dont_filter=True,
            )
            return
        record = map_record(
            self.api.record, document, api_url=main.url, url=page_url,
            portal=self.portal_name, fetched_at=now_iso(), uncaptured=self.capture_gaps,
        )
        item = self.guide_item(record, main, getattr(main, "encoding", None) or "utf-8",
                               conditional=not self.api.detail.requests)
        if item is not None:
            yield item

    def parse_part(self, response: Any, main: Any, gid: str, page_url: str, document: dict,
                   pending: list, name: str):
        got = _json(response)
        document[name] = None if got is _MISSING else got
        yield from self._next_part(main, gid, page_url, document, pending[1:])
