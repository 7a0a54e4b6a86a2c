"""How the JS family names a page that rendered no guide (issue 11): Chromium's own error texts,
as Playwright raised them in the hostile fault sweep, and the data a page's script read."""

from __future__ import annotations

import pytest
from guideaudit.crawler.ledger import failure_kind
from guideaudit.crawler.spiders.js import data_kind


@pytest.mark.parametrize(("text", "kind"), [
    ("Page.goto: net::ERR_CONNECTION_RESET at http://127.0.0.1:1/yl/detail.html?id=1", "reset"),
    ("Page.goto: net::ERR_TOO_MANY_REDIRECTS at http://127.0.0.1:1/yl/detail.html?id=1", "redirect_loop"),
    ("net::ERR_CONTENT_LENGTH_MISMATCH (http://127.0.0.1:1/yl/detail.html?id=1)", "truncated"),
    ("Page.goto: net::ERR_EMPTY_RESPONSE at http://127.0.0.1:1/", "reset"),
    ("Page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:1/", "refused"),
    ("Page.goto: net::ERR_NAME_NOT_RESOLVED at http://nowhere.invalid/", "dns"),
])
def test_chromium_net_errors_are_ledger_kinds(text, kind) -> None:
    from playwright.async_api import Error

    assert failure_kind(Error(text))[0] == kind


def test_playwright_timeout_is_a_timeout() -> None:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    assert failure_kind(PlaywrightTimeout("Page.goto: Timeout 5000ms exceeded."))[0] == "timeout"


def test_data_a_script_read() -> None:
    whole = '{"id":"1","title":"设立登记","sections":[{"title":"基本信息","pairs":[["办理时限","5个工作日"]]}]}'.encode()
    assert data_kind(whole) is None  # well-formed: judged by whether the guide rendered
    assert data_kind(whole.replace(b"\xe8", b"\xff", 1)) is None  # a stray byte: still data
    assert data_kind(whole[: len(whole) // 2]) == "truncated"
    assert data_kind(whole.replace(b'":', b'"=', 3).replace(b"{", b"{'", 1)) == "bad_api"
    assert data_kind(b"  ") == "empty"
    assert data_kind(b"<ul><li>x</li></ul>") is None  # an HTML fragment a script inserts
