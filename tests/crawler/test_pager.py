"""crawler/pager.py: a list page's numbered series told from its links, and what a failed page
of it hides (the fixture portal's six pager styles, and pages that are no pager)."""

from __future__ import annotations

import pytest
from guideaudit.crawler.pager import expected_on, series_of, total_of

BASE = "http://127.0.0.1:8765"


@pytest.mark.parametrize("pattern", [
    "/bszn/jiangcheng/list.html?page={}",
    "/bszn/haigang/list_{}.html",
    "/qingshan/bszn/list?pageNo={}",
    "/donghu/guide/index_{}.html",
    "/zjservice/item/list.do?webId=7&pageno={}",
    "/jiq/front/item/list?areaCode=441781&pageno={}",
])
def test_series_of_the_fixture_pagers(pattern):
    page = BASE + pattern.format(3)
    links = [BASE + pattern.format(n) for n in (1, 2, 4, 5, 7, 9)] + [
        BASE + "/bszn/index.html", BASE + "/contact.html",
        BASE + "/jiq/front/transition/ywTransToDetail?areaCode=441781&itemCode=11441781MB1&taskType=1",
        BASE + "/donghu/guide/11441705MB0836166T444010046100401.html",
    ]
    series = series_of(page, links)
    assert series is not None and series.current == 3 and series.last == 9
    assert series.url(6) == BASE + pattern.format(6)
    assert series.number_of(BASE + pattern.format(8)) == 8
    assert series.number_of(BASE + "/contact.html") is None


def test_no_pager_no_series():
    assert series_of(BASE + "/bszn/index.html", [BASE + "/bszn/a/list.html?page=1"]) is None
    # guide links differ from each other in their ids, not from the page in one number
    assert series_of(BASE + "/list.html?page=1", [BASE + "/item/1234.html", BASE + "/item/1235.html"]) is None
    # a "last page" of millions is an id, not a page number
    assert series_of(BASE + "/news?id=1", [BASE + "/news?id=99999999"]) is None


def test_total_and_expected():
    assert total_of("<span>共38条 共3页</span>") == 38
    assert total_of("共 1,234 页") is None and total_of("共3页") is None
    assert expected_on(1, 3, 15, 38) == 15
    assert expected_on(3, 3, 15, 38) == 8  # the last page holds the rest
    assert expected_on(3, 3, 15, None) is None  # the pager did not say: 未知
    assert expected_on(2, 3, None, 38) is None  # entries per page unknown: 未知
    assert expected_on(3, 3, 15, 99) is None  # a total the pages cannot hold: not trusted
