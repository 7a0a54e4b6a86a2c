"""报告.html opened in real headless Chromium: what an auditor sees, that it needs no network,
and that a guide's hostile text is shown, never run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from report_data import HOSTILE_NAME, UNITS

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::UserWarning")]



@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go for a person to look at: $GUIDEAUDIT_SCREENSHOTS (CI can keep it as
    an artifact), else pytest's temporary folder."""
    wanted = os.environ.get("GUIDEAUDIT_SCREENSHOTS")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from guideaudit.browser import BrowserNotFound, launch_options

    try:
        options = launch_options()
    except BrowserNotFound as err:
        pytest.skip(str(err))
    with sync_playwright() as p:
        b = p.chromium.launch(**options)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
    page = context.new_page()
    page.requests = []  # every request the page makes
    page.on("request", lambda r: page.requests.append(r.url))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _open(page, report_dir: Path):
    path = report_dir / "报告.html"
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return path


def test_report_shows_ranking_scorecards_and_evidence(page, report_dir, shots):
    _open(page, report_dir)
    page.screenshot(path=str(shots / "report-top.png"))
    assert page.title() == "办事指南合规审计报告"
    rows = page.locator("table.ranking tbody tr")
    assert rows.count() == 3
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(3)]
    assert [c[0] for c in cells] == ["1", "2", "3"]
    assert {c[1] for c in cells} == set(UNITS)
    totals = [float(c[2]) for c in cells]
    assert totals == sorted(totals, reverse=True)
    # A unit's scorecard: its indicators with points against full, and the lost-point trail.
    card = page.locator(f'section.unit[data-unit="{UNITS[0]}"]')
    assert card.is_visible()
    hours = card.locator("table.indicators tr", has_text="办理时间")
    assert "2.33 / 7" in hours.inner_text()
    trail = card.locator("details.lost-points", has_text="E1-4 办理时间")
    if trail.get_attribute("open") is None:
        trail.locator("summary").click()  # open it as an auditor would
    evidence = trail.locator(".evidence", has_text="法定工作日")
    assert evidence.is_visible()
    assert "原文：法定工作日" in evidence.inner_text()
    link = trail.locator(".guide a").first
    assert link.get_attribute("href").startswith("http://127.0.0.1:8000/portal/guide/")
    assert link.get_attribute("rel") == "noopener noreferrer"
    # Clicking a ranking row's unit jumps to its scorecard.
    page.locator("table.ranking a", has_text=UNITS[1]).click()
    assert page.locator(f'section.unit[data-unit="{UNITS[1]}"]').is_visible()
    page.screenshot(path=str(shots / "report-after-click.png"))
    # Element pass rates and the score distribution are drawn inline.
    assert page.locator("#elements svg.chart rect").count() >= 13
    assert page.locator("#distribution svg.chart").count() == 1
    assert page.locator("#trend svg.chart").count() == 2  # two sweeps: a trend
    market = page.locator("table.matrix tr", has_text=UNITS[0]).locator("td").all_inner_texts()
    assert market[:3] == [UNITS[0], "3", "89.5%"] and market[3 + 3] == "33.3%"  # E1-4: 1 of 3 pass
    card.screenshot(path=str(shots / "report-scorecard.png"))
    page.screenshot(path=str(shots / "report-full.png"), full_page=True)
    assert (shots / "report-full.png").stat().st_size > 50_000
    print(f"screenshots: {shots}")


def test_report_needs_no_network_and_loads_nothing_else(page, report_dir, tmp_path):
    # Copied alone to an empty folder: everything it shows is inside the one file.
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(report_dir / "报告.html", alone / "报告.html")
    _open(page, alone)
    assert page.requests == [(alone / "报告.html").as_uri()]
    assert page.locator("table.ranking tbody tr").count() == 3
    html = (alone / "报告.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower().replace("&lt;script", "")
    assert "<link" not in html and "@import" not in html and "url(" not in html


def test_script_in_a_guide_name_is_shown_as_text_and_never_runs(page, report_dir):
    _open(page, report_dir)
    card = page.locator(f'section.unit[data-unit="{UNITS[2]}"]')
    for details in card.locator("details.lost-points").all():
        if details.get_attribute("open") is None:
            details.locator("summary").click()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.title() == "办事指南合规审计报告"
    assert page.dialogs == []
    assert page.locator("script").count() == 0  # not even an inert <script> element was made
    assert page.locator("img").count() == 0  # the evidence's <img onerror=…> stayed text
    name = card.locator(".guide .name a", has_text="<script>")
    assert name.is_visible()
    assert name.inner_text().startswith(HOSTILE_NAME)
    assert card.locator(".evidence", has_text='<img src=x onerror="window.__pwned=2">上班时间').is_visible()


def test_printed_report_carries_every_defect_with_its_evidence(page, report_dir, store, shots):
    """Printed to PDF (A4) in Chromium: every listed defect block is on paper with its 问题编号
    and evidence; the report also reads on an 800 px screen."""
    import io

    from guideaudit.reports.defects import collect
    from pypdf import PdfReader

    _open(page, report_dir)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    import unicodedata

    # NFKC: the PDF's text layer uses Kangxi radical forms for some characters (⽂ for 文)
    raw = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    text = unicodedata.normalize("NFKC", raw).replace("\n", "")
    rows = collect(store, store.latest_sweep()).rows
    assert rows
    for r in rows:
        assert r.defect_id in text, r.defect_id
    assert text.count("原文:") >= len(rows)  # NFKC folds the full-width colon
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=str(shots / "report-1400.png"), full_page=False)
    page.set_viewport_size({"width": 800, "height": 900})
    page.screenshot(path=str(shots / "report-800.png"), full_page=False)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 2  # no sideways scrolling of the page itself (wide tables scroll in their box)
