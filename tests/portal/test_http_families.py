"""Each family serves what FORMAT.md says, over real HTTP against the live portal."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from guideaudit.fixtures.portal.catalog import AGENCIES, DISTRICTS
from guideaudit.fixtures.portal.oracle import read_api, read_html
from guideaudit.fixtures.portal.render_api import MAX_PAGE_SIZE
from guideaudit.fixtures.portal.site import NOT_A_GUIDE_CODE

from guideaudit.record import GuideRecord

from .conftest import fetch, post_json  # noqa: TID252

DETAIL_API = "/portal/api/v2/item-event/getAuditItemDetailCur?TASK_CODE="


def _links(html: str, base: str) -> list[str]:
    soup = BeautifulSoup(html, "lxml")
    return [a["href"] for a in soup.find_all("a", href=True)]


def test_html_family_lists_every_guide_through_index_and_pagers(portal):
    index = fetch(portal.start_urls["html"])
    assert index.status == 200
    lists = [h for h in _links(index.text(), portal.base_url) if "list" in h or "index_" in h]
    assert len(lists) == len(DISTRICTS)
    found: set[str] = set()
    for first in lists:
        url, pages = portal.base_url + first, 0
        while url:
            page = fetch(url)
            assert page.status == 200
            charset = page.headers.get_content_charset()
            soup = BeautifulSoup(page.text(charset), "lxml")
            found.update(a["href"] for a in soup.select("ul.item-list a"))
            nxt = soup.select_one("div.pager").find("a", string="下一页")
            url = portal.base_url + nxt["href"] if nxt else None
            pages += 1
        assert pages >= 2
    expected = {r.url[len(portal.base_url):] for r in portal.ground_truth() if r.portal == "fixture-html"}
    assert found == expected


def test_html_and_api_guides_are_recovered_exactly_by_the_documented_mapping(portal):
    mismatches = []
    for rec in portal.ground_truth():
        g = portal.site.by_id[rec.id]
        if rec.portal == "fixture-html":
            page = fetch(rec.url)
            got = read_html(page.body, page.headers.get_content_charset(), rec.url, AGENCIES[g.agency].district, rec.portal)
        elif rec.portal == "fixture-api":
            page = fetch(portal.base_url + DETAIL_API + rec.id)
            if page.status == 502:  # documented: some details fail once
                page = fetch(portal.base_url + DETAIL_API + rec.id)
            got = read_api(page.json(), portal.base_url)
        else:
            continue
        if GuideRecord.model_validate(got) != rec:
            mismatches.append(rec.id)
    assert mismatches == []


def test_layouts_differ_by_district_and_footer_phone_is_outside_the_guide(portal):
    seen = {}
    for rec in portal.ground_truth():
        if rec.portal != "fixture-html":
            continue
        district = AGENCIES[portal.site.by_id[rec.id].agency].district
        if district in seen:
            continue
        page = fetch(rec.url)
        html = page.text(page.headers.get_content_charset())
        seen[district] = html
        soup = BeautifulSoup(html, "lxml")
        assert "0662-3300000" in soup.select_one("div.footer").get_text()
        assert "0662-3300000" not in soup.select_one("div.guide-detail").get_text()
        assert soup.find("a", href="/private/admin.html")
    assert len(seen) == 6
    assert "<th>承诺办结时限</th>" in seen["jiangcheng"]
    assert 'class="td-label">承诺办理时限</td>' in seen["haigang"]
    assert "<strong>承诺时限：</strong><span>" in seen["qingshan"]
    assert "<dt>承诺期限</dt><dd>" in seen["donghu"]
    assert 'class="zjzw-procedure-tabItem-name">' in seen["linxi"]
    assert '<p class="item">' in seen["baisha"]
    for html in seen.values():
        assert re.search(r"<h2>(基本信息|申请材料|办理流程)</h2>", html)


def test_gbk_district_is_served_and_declared_as_gbk(portal):
    rec = next(r for r in portal.ground_truth() if "ywTransToDetail" in (r.url or ""))
    page = fetch(rec.url)
    assert page.headers.get_content_charset() == "gbk"
    assert b'<meta charset="gbk">' in page.body
    text = page.body.decode("gbk")
    assert rec.item_name in text
    assert rec.item_name.encode("utf-8") not in page.body


def test_robots_disallows_private_and_private_is_counted(portal):
    robots = fetch(portal.base_url + "/robots.txt")
    assert robots.status == 200 and "Disallow: /private/" in robots.text()
    before = portal.hits("/private")
    fetch(portal.base_url + "/private/admin.html")
    assert portal.hits("/private") == before + 1


def test_api_list_pages_duplicates_and_not_a_guide(portal):
    url = portal.start_urls["api"]
    first = post_json(url, {"PAGENO": 1, "PAGESIZE": 50})
    assert first.status == 200
    info = first.json()["CUSTOM"]["PAGEINFO"]
    total = info["TOTALNUM"]
    entries = []
    page = 1
    while True:
        data = post_json(url, {"PAGENO": page, "PAGESIZE": 50}).json()["CUSTOM"]
        if not data["AUDIT_ITEMLIST"]:
            break
        entries += data["AUDIT_ITEMLIST"]
        page += 1
    assert len(entries) == total
    codes = [e["TASK_CODE"] for e in entries]
    api_ids = {r.id for r in portal.ground_truth() if r.portal == "fixture-api"}
    assert set(codes) - {NOT_A_GUIDE_CODE} == api_ids
    assert len(codes) > len(set(codes))  # duplicates under a second theme
    assert NOT_A_GUIDE_CODE in codes
    gone = fetch(portal.base_url + DETAIL_API + NOT_A_GUIDE_CODE).json()
    assert gone == {"errCode": 0, "msg": "未找到匹配的信息", "data": None}
    clamped = post_json(url, {"PAGENO": 1, "PAGESIZE": 5000}).json()["CUSTOM"]["PAGEINFO"]
    assert clamped["PAGESIZE"] == MAX_PAGE_SIZE
    assert fetch(url, b"not json", "POST").status == 400


def test_api_details_use_protocol_relative_paths_and_mixed_number_types(portal):
    types = set()
    for rec in [r for r in portal.ground_truth() if r.portal == "fixture-api"][:40]:
        page = fetch(portal.base_url + DETAIL_API + rec.id)
        if page.status == 502:
            page = fetch(portal.base_url + DETAIL_API + rec.id)
        data = page.json()["data"]
        for m in data["AUDIT_MATERIAL"]:
            for a in m["FORM_GUID"] + m["EXAMPLE_GUID"]:
                assert a["FILEPATH"].startswith("//127.0.0.1:")
            types.add(type(m["PAGE_NUM"]))
        types.add(type(data["AUDIT_ITEM"]["LIMIT_SCENE_NUM"]))
    assert types >= {int, str}
    human = fetch(rec.url)
    assert human.status == 200 and rec.item_name in human.text()


def test_api_detail_fails_with_html_502_the_first_time_only(portal):
    code = sorted(portal.site.api_first_502)[0]
    portal.reset_counters()
    first = fetch(portal.base_url + DETAIL_API + code)
    second = fetch(portal.base_url + DETAIL_API + code)
    assert first.status == 502 and first.headers.get_content_type() == "text/html"
    assert second.status == 200 and second.json()["data"]["AUDIT_ITEM"]["TASK_CODE"] == code


def test_js_pages_hold_no_guide_without_a_browser(portal):
    rec = next(r for r in portal.ground_truth() if r.portal == "fixture-js")
    page = fetch(rec.url).text()
    assert rec.item_name not in page and "办理地点" not in page
    assert '<script src="/yl/static/app.js"' in page
    listing = fetch(portal.start_urls["js"]).text()
    assert "detail.html?id=" not in listing
    script = fetch(portal.base_url + "/yl/static/app.js")
    assert script.status == 200 and "fetch(" in script.text()
    data = fetch(portal.base_url + "/yl/api/guide?id=" + rec.id).json()
    assert data["title"] == rec.item_name


def test_request_log_counts_every_request(portal):
    portal.reset_counters()
    fetch(portal.base_url + "/robots.txt")
    fetch(portal.base_url + "/robots.txt")
    fetch(portal.base_url + "/nope")
    assert portal.hits("/robots.txt") == 2
    assert ("GET", "/nope", 404) in portal.request_log()
