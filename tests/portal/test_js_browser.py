"""The JS family in real headless Chromium: the guide exists only after scripts run."""

from __future__ import annotations

import pytest
from guideaudit.fixtures.portal import FixturePortal
from guideaudit.fixtures.portal.oracle import read_html

from guideaudit.browser import launch_options
from guideaudit.record import GuideRecord

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())
        page = browser.new_page()
        # Nothing but the loopback portal may be contacted.
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1") else route.abort())
        yield page
        browser.close()


def test_rendered_list_and_detail_pages_give_the_ground_truth(browser_page):
    with FixturePortal(n_guides=2400, seed=3) as p:
        truth = {r.url: r for r in p.ground_truth() if r.portal == "fixture-js"}
        assert len(truth) >= 100
        page = browser_page
        page.goto(p.start_urls["js"])
        page.wait_for_selector("#item-list li a")
        links = page.eval_on_selector_all("#item-list a", "els => els.map(e => e.href)")
        assert len(links) == 20 and set(links) <= set(truth)
        assert page.locator("#pager a", has_text="下一页").count() == 1
        for url in list(truth)[:8]:
            page.goto(url)
            page.wait_for_selector("#guide-root[data-loaded]")
            got = read_html(page.content().encode("utf-8"), "utf-8", url, None, "fixture-js")
            assert GuideRecord.model_validate(got) == truth[url]
        assert p.hits("/private") == 0
