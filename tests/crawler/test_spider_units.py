"""Spider callbacks on saved responses (no network): list fragments of the real-portal
profiles, pagers, host limits, resume skips, API list handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from guideaudit.crawler.extract.jsonmap import map_record
from guideaudit.crawler.profiles import load_profile
from guideaudit.crawler.spiders.api import GuideApiSpider
from guideaudit.crawler.spiders.html import GuideHtmlSpider
from guideaudit.crawler.spiders.js import GuideJsSpider
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

PAGES = Path(__file__).parent / "pages"


def _spider(cls, **kwargs):
    crawler = get_crawler(cls)
    spider = cls.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    return spider


def _html(url: str, body: bytes, **meta) -> HtmlResponse:
    request = Request(url, meta=meta)
    return HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"}, request=request)


def test_generic_spider_follows_same_host_pages_not_documents_or_other_hosts() -> None:
    spider = _spider(GuideHtmlSpider, url="http://127.0.0.1:8765/bszn/index.html")
    body = (
        '<html><body><a href="/bszn/a/list.html?page=2">下一页</a><a href="http://evil.example/x">外站</a>'
        '<a href="https://127.0.0.1:8765/other-scheme">s</a><a href="/files/F1.docx">空表</a>'
        '<a href="javascript:void(0)">js</a><a href="/g/1.html#top">指南</a></body></html>'
    ).encode()
    out = list(spider.parse_page(_html("http://127.0.0.1:8765/bszn/index.html", body)))
    urls = [r.url for r in out if isinstance(r, Request)]
    assert urls == [
        "http://127.0.0.1:8765/bszn/a/list.html?page=2",
        "https://127.0.0.1:8765/other-scheme",  # the same host
        "http://127.0.0.1:8765/g/1.html",  # without its fragment
    ]


def test_guide_page_yields_the_item_contract() -> None:
    expected = json.loads((PAGES / "th.expected.json").read_text("utf-8"))
    spider = _spider(GuideHtmlSpider, profile="fixture-html", base_url="http://127.0.0.1:8765")
    out = list(spider.parse_page(_html(expected["url"], (PAGES / "th.html").read_bytes())))
    items = [o for o in out if isinstance(o, dict)]
    assert len(items) == 1
    item = items[0]
    assert set(item) == {"kind", "record", "raw"} and item["kind"] == "guide"
    assert set(item["raw"]) == {"url", "status", "content_type", "encoding", "body"}
    assert isinstance(item["raw"]["body"], bytes) and item["raw"]["url"] == expected["url"]
    assert item["record"]["id"] == expected["record"]["id"]
    assert item["record"]["portal"] == "fixture-html"
    # Its attachment links are not requested as pages.
    assert not [o for o in out if isinstance(o, Request) and "/files/" in o.url]


def test_resume_skips_known_guides_and_max_guides_stops() -> None:
    spider = _spider(GuideHtmlSpider, url="http://127.0.0.1:8765/", skip_urls={"http://127.0.0.1:8765/g/1.html"},
                     max_guides="1")
    body = b'<a href="/g/1.html">1</a><a href="/g/2.html">2</a>'
    urls = [r.url for r in spider.parse_page(_html("http://127.0.0.1:8765/", body)) if isinstance(r, Request)]
    assert urls == ["http://127.0.0.1:8765/g/2.html"]
    spider.guides_yielded = 1
    assert spider.page_request("http://127.0.0.1:8765/g/3.html") is None


def test_bad_arguments_are_explained() -> None:
    with pytest.raises(ValueError, match="max_pages"):
        _spider(GuideHtmlSpider, url="http://127.0.0.1/", max_pages="lots")
    with pytest.raises(ValueError, match="base_url"):
        _spider(GuideHtmlSpider, profile="fixture-html")
    with pytest.raises(ValueError, match="api"):
        _spider(GuideHtmlSpider, profile="fixture-api", base_url="http://127.0.0.1")


def test_sichuan_list_fragment_links_and_next_page() -> None:
    spider = _spider(GuideHtmlSpider, profile="sichuan")
    fragment = (
        "<li onclick=\"ywblurl('/jiq/front/transition/ywTransToDetail?areaCode=511602000000&itemCode=511A0138&taskType=1&deptCode=123')\">户口迁移</li>"
        "<li onclick=\"ywblurl('/jiq/front/transition/ywTransToDetail?areaCode=511602000000&itemCode=511A0139&taskType=1&deptCode=123')\">出生登记</li>"
    ).encode()
    first = spider._list_request(1)
    assert first.url.startswith("https://www.sczwfw.gov.cn/jiq/interface/item/tags?") and "pageno=1" in first.url
    out = [r for r in spider.parse_page(_html(first.url, fragment, list_page=1)) if isinstance(r, Request)]
    urls = [r.url for r in out]
    assert "https://www.sczwfw.gov.cn/jiq/front/transition/ywTransToDetail?areaCode=511602000000&itemCode=511A0138&taskType=1&deptCode=123" in urls
    assert any("pageno=2" in u for u in urls)
    # An empty page (no new item) ends the walk.
    again = [r for r in spider.parse_page(_html(first.url.replace("pageno=1", "pageno=3"), fragment, list_page=3))
             if isinstance(r, Request)]
    assert not any("pageno=4" in r.url for r in again)


def test_zhejiang_bszn_codes_become_detail_pages_rendered_in_chromium() -> None:
    spider = _spider(GuideJsSpider, profile="zhejiang")
    fragment = b"<a href=\"javascript:;\" onclick=\"bszn('33070200100310700000')\">\xe4\xba\x8b\xe9\xa1\xb9</a>"
    out = [r for r in spider.parse_page(_html(spider._list_request(1).url, fragment, list_page=1))
           if isinstance(r, Request)]
    detail = [r for r in out if "localInnerCode" in r.url]
    assert detail[0].url == "https://www.zjzwfw.gov.cn/zjservice/item/detail/index.do?localInnerCode=33070200100310700000"
    assert detail[0].meta["playwright"] is True


def test_api_list_dedupes_and_schedules_remaining_pages() -> None:
    spider = _spider(GuideApiSpider, profile="fixture-api", base_url="http://127.0.0.1:8765")
    page = {"CUSTOM": {"AUDIT_ITEMLIST": [{"TASK_CODE": "A1"}, {"TASK_CODE": "A2"}, {"TASK_CODE": "A1"}],
                       "PAGEINFO": {"TOTALNUM": 250}}, "errCode": 0}
    response = TextResponse("http://127.0.0.1:8765/portal/api/v2/solr/getCommonAuditItem",
                            body=json.dumps(page).encode(), encoding="utf-8")
    out = list(spider.parse_list(response, page=1))
    details = [r for r in out if "getAuditItemDetailCur" in r.url]
    lists = [json.loads(r.body) for r in out if r.method == "POST"]
    assert [r.url.rsplit("=", 1)[1] for r in details] == ["A1", "A2"]
    assert [b["PAGENO"] for b in lists] == [2, 3] and all(b["PAGESIZE"] == 100 for b in lists)


def test_guangdong_protocol_relative_attachment_resolves_to_https() -> None:
    profile = load_profile("guangdong")
    detail = {"data": {"AUDIT_ITEM": {"TASK_CODE": "11440000MB2C9270XQ4440115009000", "TASK_NAME": "测试",
                                      "PROMISE_DAY": 5, "PROMISE_TYPE_TEXT": "工作日", "ANTICIPATE_DAY": "",
                                      "FDBLSXSM": "无"},
                       "AUDIT_MATERIAL": [{"MATERIALNAME": "申请表", "PAGE_NUM": 1,
                                           "FORM_GUID": [{"ATTACHNAME": "申请表.doc", "FILEPATH": "//static.gdzwfw.gov.cn/a/b.doc"}],
                                           "EXAMPLE_GUID": []}],
                       "AUDIT_CATALOG_LOBBY": [{"ADDRESS": "广州市天河区1号", "TEL": "020-12345678"}]}}
    record = map_record(profile.api.record, {"detail": detail},
                        api_url="https://www.gdzwfw.gov.cn/portal/api/v2/item-event/getAuditItemDetailCur?TASK_CODE=x",
                        url="https://www.gdzwfw.gov.cn/portal/guide/x", portal="guangdong")
    assert record.materials[0].blank_form.url == "https://static.gdzwfw.gov.cn/a/b.doc"
    assert record.materials[0].sample_form is None and record.materials[0].originals == "1"
    assert record.promised_limit == "5(工作日)" and record.statutory_limit == "无"
    assert record.location == "广州市天河区1号" and record.consult is None  # the lobby TEL is the hall's


def test_list_markers_are_read_and_the_list_page_is_freed_without_the_garbage_collector() -> None:
    """fixture-html's list_markers; the page and its parsed tree must not sit in a reference
    cycle (Scrapy's response.css makes one), or with the crawl's rare collections
    (crawler/gcpolicy.py) list pages' trees linger: 254.8 against 187.8–198.9 MB at 100,000 guides."""
    import gc
    import weakref

    spider = _spider(GuideHtmlSpider, profile="fixture-html", base_url="http://127.0.0.1:8765")
    body = (
        '<html><body><ul class="item-list">'
        '<li><a href="/bszn/a/1.html">甲</a><span class="updated">2026-11-01</span></li>'
        '<li><a href=" /bszn/a/2.html ">乙</a><span class="updated"> 2026-11-02 </span></li>'
        '<li><a href="/bszn/a/3.html">丙</a></li>'
        "</ul></body></html>"
    ).encode()
    gc.disable()
    try:
        response = _html("http://127.0.0.1:8765/bszn/a/list.html", body)
        markers = spider.list_markers(response)
        assert spider.list_entries(response) == 3
        page = weakref.ref(response)
        del response
        assert page() is None
    finally:
        gc.enable()
    assert markers == {"http://127.0.0.1:8765/bszn/a/1.html": "2026-11-01",
                       "http://127.0.0.1:8765/bszn/a/2.html": "2026-11-02"}
