"""mutate / set_failing / hits in both modes (thread and child process), and the admin guard."""

from __future__ import annotations

import pytest
from guideaudit.fixtures.portal import FixturePortal
from guideaudit.fixtures.portal.catalog import AGENCIES
from guideaudit.fixtures.portal.oracle import read_api, read_html
from guideaudit.fixtures.portal.server import ensure_loopback

from .conftest import fetch  # noqa: TID252

DETAIL_API = "/portal/api/v2/item-event/getAuditItemDetailCur?TASK_CODE="


def _read(p: FixturePortal, rec):
    g = p.site.by_id[rec.id]
    if rec.portal == "fixture-api":
        page = fetch(p.base_url + DETAIL_API + rec.id)
        if page.status == 502:
            page = fetch(p.base_url + DETAIL_API + rec.id)
        return read_api(page.json(), p.base_url)
    page = fetch(rec.url)
    return read_html(page.body, page.headers.get_content_charset(), rec.url, AGENCIES[g.agency].district, rec.portal)


@pytest.mark.parametrize("process", [False, True], ids=["thread", "process"])
def test_mutate_set_failing_and_hits(process):
    with FixturePortal(n_guides=120, seed=5, process=process) as p:
        truth = p.ground_truth()
        html = next(r for r in truth if r.portal == "fixture-html")
        api = next(r for r in truth if r.portal == "fixture-api")
        for rec in (html, api):
            p.mutate(rec.id, promised_limit="3个工作日", hours="周一至周五 上午9:00-12:00")
            after = {r.id: r for r in p.ground_truth()}[rec.id]
            assert after.promised_limit == "3个工作日"
            served = _read(p, rec)
            assert served["promised_limit"] == "3个工作日"
            assert served["hours"] == "周一至周五 上午9:00-12:00"
        with pytest.raises(ValueError):
            p.mutate(html.id, handling_item_code="X")

        p.set_failing(html.id, 500)
        assert fetch(html.url).status == 500
        p.set_failing(html.id, None)
        assert fetch(html.url).status == 200
        path = "/bszn/index.html"
        p.set_failing(path, 503)
        assert fetch(p.base_url + path).status == 503
        p.set_failing(path, None)
        assert fetch(p.base_url + path).status == 200

        before = p.hits("/robots.txt")
        fetch(p.base_url + "/robots.txt")
        assert p.hits("/robots.txt") == before + 1
        assert p.hits("/__admin") == 0
        assert p.hit_counts("/robots.txt") == {"/robots.txt": before + 1}
        assert any(path == entry[1] for entry in p.request_log())
        # Admin endpoints refuse a caller without the token.
        assert fetch(p.base_url + "/__admin/hits?prefix=/").status == 403


def test_only_loopback_hosts_are_accepted():
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        ensure_loopback(host)
    for host in ("0.0.0.0", "10.0.0.1", "example.org", "192.168.1.2"):
        with pytest.raises(ValueError):
            ensure_loopback(host)
        with pytest.raises(ValueError):
            FixturePortal(n_guides=10, host=host)
