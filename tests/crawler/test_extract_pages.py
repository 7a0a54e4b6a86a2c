"""Saved guide pages, one per layout, with the expected record beside each (city-scrapers style).

The layout pages were rendered by the fixture portal (seed 2026) and saved with their ground-truth
records; the hand-written pages pin footers, sections and free "标签：值" text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from guideaudit.crawler.extract import extract_bytes

from guideaudit.record import FIELD_NAMES

PAGES = Path(__file__).parent / "pages"
LAYOUTS = sorted(p.name[: -len(".expected.json")] for p in PAGES.glob("*.expected.json"))


def _extract(name: str, **kwargs):
    body = (PAGES / name).read_bytes()
    return extract_bytes(body, **kwargs)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_page_gives_the_published_record_field_by_field(layout: str) -> None:
    expected = json.loads((PAGES / f"{layout}.expected.json").read_text("utf-8"))
    result, encoding = _extract(
        f"{layout}.html", url=expected["url"], declared_encoding=expected["encoding"],
        portal="fixture-html",
    )
    assert result.record is not None, result.reason
    got = result.record.model_dump(mode="json")
    want = expected["record"]
    for name in FIELD_NAMES:
        if name in ("fetched_at", "uncaptured"):
            continue
        assert got[name] == want[name], f"{layout}: {name}"
    assert encoding == expected["encoding"].replace("gbk", "gb18030")


def test_six_layouts_are_covered() -> None:
    assert set(LAYOUTS) == {"th", "tdlabel", "strong", "dl", "zjzw", "plabel-gbk"}


def test_gbk_page_decodes_even_when_the_header_lies() -> None:
    body = (PAGES / "plabel-gbk.html").read_bytes()
    # The HTTP header claims UTF-8 and the <meta> is removed: the bytes must decide.
    body = body.replace(b'<meta charset="gbk">', b"")
    result, encoding = extract_bytes(body, url="http://127.0.0.1/x", declared_encoding="utf-8")
    expected = json.loads((PAGES / "plabel-gbk.expected.json").read_text("utf-8"))["record"]
    assert encoding in ("gb18030", "gbk", "gb2312")
    assert result.record is not None
    assert result.record.item_name == expected["item_name"]
    assert result.record.location == expected["location"]


def test_footer_phone_is_not_the_guides_consult() -> None:
    result, _ = _extract("footer-phone.html", url="http://127.0.0.1/g/1")
    record = result.record
    assert record is not None
    assert record.item_name == "不动产登记资料查询"
    assert record.consult is None  # three footer/header phones on the page, none in the guide
    assert "联系电话" not in record.extra
    assert record.promised_limit == "即办"


def test_sections_dl_and_free_text_pairs() -> None:
    result, _ = _extract("sections.html", url="http://127.0.0.1/jiq/x")
    r = result.record
    assert r is not None
    assert r.item_name == "户口迁移（市内）"
    assert r.promised_limit == "5个工作日"  # 承诺办理时限
    assert r.onsite_visits == "1次"  # 到现场办理的次数
    assert r.consult == "0826-2345678"  # 咨询联系电话, not the footer's 0826-1111111
    assert r.hours == "星期一至星期五\n上午 9:00-12:00\n下午 13:30-17:00"  # <br> → \n, spaces collapsed
    assert r.complaint == ""  # label present, value empty
    assert r.agency is None  # label absent
    assert r.conditions == "1. 本市户籍居民；\n2. 有合法稳定住所。"  # a section under its heading
    assert r.extra == {"服务对象": "自然人", "办事大厅位置图": "见附图"}
    assert r.id == "11511602MB1234567X4000107006000"  # 实施编码 when no 业务办理项编码


def test_list_page_is_not_a_guide() -> None:
    result, _ = _extract("list.html", url="http://127.0.0.1/list")
    assert result.record is None
    # Its heading could name an item; too few recognised fields refuse it (evidence, not one label).
    assert "个指南字段" in result.reason or "事项名称" in result.reason
    assert result.kind is None  # an ordinary page, not a block page
    assert "http://127.0.0.1/g/1.html" in extract_bytes(
        (PAGES / "list.html").read_bytes(), url="http://127.0.0.1/list", collect_links=True
    )[0].links


def test_form_links_are_absolute_and_not_crawled_as_pages() -> None:
    expected = json.loads((PAGES / "th.expected.json").read_text("utf-8"))
    result, _ = _extract("th.html", url=expected["url"], collect_links=True)
    forms = [m.blank_form.url for m in result.record.materials if m.blank_form]
    assert forms and all(u.startswith("http://127.0.0.1:8765/files/") for u in forms)
    assert set(forms) <= result.form_urls


def test_xhtml_declaration_and_garbage_do_not_break_extraction() -> None:
    body = (PAGES / "sections.html").read_bytes()
    xhtml = b'<?xml version="1.0" encoding="utf-8"?>\n' + body
    result, _ = extract_bytes(xhtml, url="http://127.0.0.1/x")
    assert result.record is not None and result.record.item_name == "户口迁移（市内）"
    for junk in (b"", b"\x00\xff\xfe", b"<<<>>>", "事项名称".encode() * 3):
        assert extract_bytes(junk, url="http://127.0.0.1/x")[0].record is None


def test_label_row_over_value_row_and_colspan() -> None:
    result, _ = _extract("columns.html", url="http://127.0.0.1/g/9")
    r = result.record
    assert r is not None
    assert r.item_name == "建设工程规划许可证核发"  # value cell with colspan
    assert (r.statutory_limit, r.promised_limit, r.onsite_visits) == ("20个工作日", "10个工作日", "1")
    assert (r.item_type, r.case_type) == ("行政许可", "承诺件")
    assert r.location == "江海市人民大道1号3楼12号窗口"  # inline markup inside a value
    assert r.consult == "电话：0662-3300001"


def test_materials_header_in_plain_cells_after_a_caption_row() -> None:
    result, _ = _extract("materials-td-header.html", url="http://127.0.0.1/bszn/g/7.html")
    r = result.record
    assert r is not None and [m.name for m in r.materials] == ["道路运输经营申请表", "营业执照"]
    first, second = r.materials
    assert first.source == "申请人自备" and first.originals is None  # no 原件 column: absent
    assert (first.blank_form.url, first.blank_form.name) == ("http://127.0.0.1/bszn/files/a.doc", "空表")
    assert (first.sample_form.url, first.sample_form.name) == ("http://127.0.0.1/bszn/files/a-sample.doc", "样表")
    assert second.blank_form is None and second.sample_form is None
    assert r.extra.get("份数") is None  # table columns are not label/value pairs


def test_empty_cell_under_a_column_is_empty_text_and_a_missing_column_is_none() -> None:
    page = """<html><body><div class="guide-detail"><table>
<tr><th>事项名称</th><td>食品经营许可</td></tr><tr><th>实施主体</th><td>江海市市场监管局</td></tr>
<tr><th>办理地点</th><td>江海市人民大道1号</td></tr><tr><th>咨询方式</th><td>0662-3300001</td></tr>
<tr><th>承诺办结时限</th><td>5个工作日</td></tr></table>
<table><tr><th>材料名称</th><th>来源渠道</th><th>介质要求</th><th>空表</th></tr>
<tr><td>申请书</td><td></td><td>纸质</td><td></td></tr></table>
<table><tr><th>环节名称</th><th>办理时限</th><th>办理人员</th></tr>
<tr><td>受理</td><td>1个工作日</td><td> </td></tr></table></div></body></html>"""
    record = extract_bytes(page.encode(), url="http://127.0.0.1/g/1.html")[0].record
    material, step = record.materials[0], record.steps[0]
    assert (material.name, material.source, material.medium) == ("申请书", "", "纸质")
    assert material.originals is None and material.copies is None  # no such column: not published
    assert material.blank_form is None  # a form cell without a link
    assert (step.name, step.limit, step.handler) == ("受理", "1个工作日", "")
    assert step.criteria is None
