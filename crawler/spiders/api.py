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
import re
from typing import Any
from urllib.parse import quote, unquote, urlencode, urljoin

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request

from ..extract.blockpage import classify_page, failure_text, says_busy, visible_of
from ..extract.decode import undecodable
from ..extract.jsonmap import _MISSING, map_record, resolve
from ..incremental import body_hash, marker_text, reused_item
from ..keyset import KeySet
from ..ledger import META_INFO, META_KEY, META_PART
from ..netfail import TRUNCATED_MARK
from .base import GuideSpider, failure_url, now_iso

logger = logging.getLogger(__name__)


def _json(response: Any) -> Any:
    """The answer's JSON; a stray invalid byte is replaced by U+FFFD (JSON is UTF-8, RFC 8259)
    and the field it lands in reads as damaged (待核实), the guide kept, never dropped."""
    try:
        return json.loads(response.body.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except (ValueError, UnicodeDecodeError):
        return _MISSING


def cut_short(body: bytes) -> bool:
    """JSON that is fine as far as it goes and then stops: the answer was cut short (with or
    without a Content-Length that agrees), not an answer of another kind."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text or text[0] not in "{[":
        return False
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        # a string never closed runs to the end; otherwise the parse stopped within the last
        # token (a literal, a number or an escape cut in half), not somewhere in the middle
        return err.msg.startswith("Unterminated string") or err.pos >= len(text) - 8
    return False


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


def answer_kind(response: Any, data: Any, why: str | None = None, not_found: bool = False) -> str:
    """The ledger kind of an answer that is no guide (or no list): a block page served where
    JSON was expected, a "系统繁忙" answer, an empty body, a listed guide the API says does not
    exist, or anything else the API should not have said (truncated or malformed JSON, JSON
    of another shape)."""
    body = response.body or b""
    if not body.strip():
        return "empty"
    if data is _MISSING:
        if undecodable(body):  # binary where JSON was expected (undeclared gzip, UTF-16, a file)
            return "undecodable"
        head = body[:200_000].decode("utf-8", "replace")
        if head.lstrip()[:1] == "<":
            visible = visible_of(head)
            return classify_page(head, visible_text=visible) or ("busy" if says_busy(visible) else "bad_api")
        if cut_short(body):
            return "truncated"
        return "busy" if says_busy(head[:2000]) else "bad_api"
    if not_found:
        return "soft404"
    text = why or ""
    if isinstance(data, dict):
        text += " " + " ".join(str(v) for v in data.values() if isinstance(v, (str, int)))[:2000]
    return "busy" if says_busy(text) else "bad_api"


def fill_url(base_url: str, template: str, **values: Any) -> str:
    filled = template.format(base=base_url, **{k: quote(str(v), safe="") for k, v in values.items()})
    return urljoin(base_url + "/", filled.lstrip("/")) if not filled.startswith("http") else filled


def _retry_target(api: Any, base_url: str, key: str) -> tuple[str, int | str] | None:
    """("list", page) or ("detail", guide id) for a ledger key of this API, else None."""
    spec = api.list
    list_url = fill_url(base_url, spec.url)
    url, _, fragment = key.partition("#")
    if spec.method != "GET" and url == list_url and fragment.startswith("page="):
        return ("list", int(fragment[5:])) if fragment[5:].isdigit() else None
    if spec.method == "GET" and url.startswith(list_url + ("&" if "?" in list_url else "?")) and not fragment:
        from urllib.parse import parse_qs, urlsplit

        page = (parse_qs(urlsplit(url).query).get(spec.page_key) or [""])[0]
        return ("list", int(page)) if page.isdigit() else None
    marker = "\x00id\x00"
    pattern = re.escape(fill_url(base_url, api.detail.url, id=marker)).replace(re.escape(quote(marker, safe="")), "([^&#/]+)")
    found = re.fullmatch(pattern, key)
    return ("detail", unquote(found.group(1))) if found else None


# Answers worth asking again (RETRY_TIMES): the portal may answer properly a moment later.
TRANSIENT = frozenset({"busy", "bad_api", "empty", "challenge", "truncated"})


class GuideApiSpider(GuideSpider):
    name = "api"
    family = "api"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.profile is None:
            raise ValueError("api 爬虫需要 profile 参数（门户配置）")
        self.api = self.profile.api
        self.seen_ids = KeySet()  # compact for the whole sweep (crawler/keyset.py)
        self.total: int | None = None  # entries the list says it has (after its first page)

    def _url(self, template: str, **values: Any) -> str:
        return fill_url(self.base_url, template, **values)

    # -- exact resume (crawler/sweep.py) ----------------------------------------------------
    @staticmethod
    def owns_key(profile: Any, base_url: str, key: str) -> bool:
        """Whether a ledger key of a sweep is this profile's to retry: a page of its list or a
        guide's detail answer."""
        return _retry_target(profile.api, base_url.rstrip("/"), key) is not None

    exact_resume = True

    def retry_request(self, row: dict) -> scrapy.Request | None:
        target = _retry_target(self.api, self.base_url, row["url"])
        if target is None:
            return None
        what, value = target
        if what == "list":
            request = self.list_request(value, counted=False)
            if request is not None and row.get("unknown") is None:
                request.meta[META_INFO].pop("unknown", None)
            return request
        self.seen_ids.add(value)  # the list page read again leads to this request, not another
        return self.detail_request(value, self._url(self.api.page_url, id=value), counted=False)

    # -- list -----------------------------------------------------------------------------
    async def start(self):
        if self.retry is not None:  # an exact resume: only what the ledger says to retry
            for request in self.retry_requests():
                yield request
            return
        request = self.list_request(self.api.list.first_page)
        if request is not None:
            yield request

    def list_request(self, page: int, counted: bool = True) -> scrapy.Request | None:
        spec = self.api.list
        if counted and not self._may_request():
            return None
        request = self._list_request(page)
        # The guides this page would lead to, as far as the list has said (its total): what a
        # failure of this page leaves unknown (None before the first page answered).
        unknown = None
        if self.total is not None:
            unknown = max(0, min(spec.page_size, self.total - (page - spec.first_page) * spec.page_size))
        request.meta["list_page"] = page
        request.meta[META_INFO] = {"role": "list", "unknown": unknown, "detail": f"列表第 {page} 页"}
        if request.method != "GET":
            request.meta[META_KEY] = f"{request.url}#page={page}"  # one POST URL, many pages
        if (request.meta.get(META_KEY) or request.url) in self.skip_urls:
            return None  # an exact resume: this page was read already
        return request

    def _list_request(self, page: int) -> scrapy.Request:
        spec = self.api.list
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

    def bad_answer(self, response: Any, kind: str, error: str):
        """A retry when the answer may be passing trouble, else the URL's ledger row and a fetch
        failure of the sweep (never a guide, never a defect)."""
        if kind in TRANSIENT:
            retry = get_retry_request(response.request, spider=self, reason=f"answer:{kind}")
            if retry is not None:
                yield retry
                return
        if kind == "truncated":
            error = f"{TRUNCATED_MARK}: 接口返回的 JSON 不完整（{len(response.body)} 字节后中断）"
        elif kind == "undecodable":
            error = f"无法解码：{undecodable(response.body)}"
        info = response.request.meta.get(META_INFO) or {}
        self.settle(response, kind, detail=error, unknown=info.get("unknown"))
        if kind == "soft404":
            return  # a listed guide the API says does not exist: in the ledger, not a fetch failure
        self.crawler.stats.inc_value("guideaudit/fetch_failures")
        url = response.url if response.request.method == "GET" else failure_url(response.request)
        yield {"kind": "fetch_failure", "url": url, "status": response.status,
               "error": error[:300], "referer": None}

    def parse_list(self, response: Any, page: int):
        spec = self.api.list
        data = _json(response)
        items = resolve(data, spec.items) if data is not _MISSING else _MISSING
        if not isinstance(items, list):
            self.crawler.stats.inc_value("guideaudit/list_unreadable")
            kind = answer_kind(response, data)
            yield from self.bad_answer(
                response, kind, f"列表第 {page} 页不是预期的 JSON（{spec.items}）：{failure_text(kind) if kind != 'bad_api' else '接口返回不是列表数据'}")
            return
        reused: list[dict] = []
        total = resolve(data, spec.total) if spec.total else _MISSING
        if page == spec.first_page and isinstance(total, (int, str)) and str(total).isdigit():
            self.total = int(total)
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
            request = self.detail_request(gid, page_url, item, marker)
            if request is not None:
                yield request
        if reused:
            yield reused_item(reused)
        if not items:
            return
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
    def detail_request(self, gid: str, page_url: str, entry: Any = None, marker: str | None = None,
                       counted: bool = True) -> scrapy.Request | None:
        url = self._url(self.api.detail.url, id=gid)
        if url in self.skip_urls:
            return None  # an exact resume: its outcome is in the ledger already
        spec = self.api.list
        info = {}
        for key, path in (("item_name", spec.name), ("agency", spec.agency)):
            value = resolve(entry, path) if path and entry is not None else _MISSING
            if value is not _MISSING and value not in (None, ""):
                info[key] = str(value)[:500]
        if counted and not self._may_request():
            self.not_fetched(url, "limit", "已达本次抓取的页面或指南上限", **info)
            return None
        meta = {"guideaudit_key": page_url}
        if marker is not None:
            meta["guideaudit_marker"] = marker
        if self.api.detail.requests:
            # the guide is several answers: a 304 on the first says nothing of the others
            meta["guideaudit_unconditional"] = True
        return scrapy.Request(
            url, callback=self.parse_detail, errback=self.on_error,
            cb_kwargs={"gid": gid, "page_url": page_url}, meta={**meta, META_INFO: info},
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
            spec = self.api.detail
            msg = resolve(data, spec.message_path) if spec.message_path and data is not _MISSING else _MISSING
            not_found = isinstance(msg, str) and msg.strip() in spec.not_found_messages
            kind = answer_kind(response, data, why, not_found)
            yield from self.bad_answer(response, kind, f"接口返回不是指南（{why}）")
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
                self._url(template, id=gid), callback=self.parse_part, errback=self.part_failed,
                cb_kwargs={"main": main, "gid": gid, "page_url": page_url, "document": document,
                           "pending": pending, "name": name},
                # a part of the guide of ``main``: the ledger accounts for it under the detail's URL
                meta={META_KEY: main.request.meta.get(META_KEY) or main.url, META_PART: True},
                dont_filter=True,
            )
            return
        try:
            record = map_record(
                self.api.record, document, api_url=main.url, url=page_url,
                portal=self.portal_name, fetched_at=now_iso(), uncaptured=self.capture_gaps,
            )
        except (TypeError, ValueError, KeyError, AttributeError) as err:
            record, shape = None, f"{type(err).__name__}: {err}"[:200]
        else:
            shape = None if (record.item_name or "").strip() else "没有事项名称"
        if shape is not None:
            # JSON of another shape than the profile maps: no guide (a nameless record would be
            # charged a dozen defects that are the API's, not the guide's).
            self.settle(main, "bad_api", detail=f"接口数据不是预期的形状（{shape}）")
            self.crawler.stats.inc_value("guideaudit/fetch_failures")
            yield {"kind": "fetch_failure", "url": main.url, "status": main.status,
                   "error": f"接口数据不是预期的形状（{shape}）", "referer": None}
            return
        item = self.guide_item(record, main, getattr(main, "encoding", None) or "utf-8",
                               conditional=not self.api.detail.requests)
        if item is not None:
            yield item

    def part_failed(self, failure: Any):
        """A part could not be fetched: the guide is still stored, what the part carries is
        待核实 (map_record: a part that is None is not captured), as for a part that is no JSON."""
        kwargs = failure.request.cb_kwargs
        logger.info("指南 %s 的附加接口 %s 无法获取：%s", kwargs["gid"], kwargs["name"], failure.getErrorMessage())
        kwargs["document"][kwargs["name"]] = None
        yield from self._next_part(kwargs["main"], kwargs["gid"], kwargs["page_url"], kwargs["document"],
                                   kwargs["pending"][1:])

    def parse_part(self, response: Any, main: Any, gid: str, page_url: str, document: dict,
                   pending: list, name: str):
        got = _json(response)
        document[name] = None if got is _MISSING else got
        yield from self._next_part(main, gid, page_url, document, pending[1:])
