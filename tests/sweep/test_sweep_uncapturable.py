"""What a sweep cannot see comes out as 待核实, counted exactly, never as a defect or a pass:
a portal profile that does not map the step handler (a user's profile extending the vendor base
with that key removed), a form file that hangs past the attachment timeout, and the two forms
robots.txt forbids. Real CLI sweep of the fixture portal's API family over loopback."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from guideaudit.store import Store

from .helpers import cli, defect_diff

PROFILE = """\
# A portal on the 广东 platform whose flow table has no handler column.
extends: fixture-api
name: fixture-api-nohandler
title: 测试门户（流程无承办岗位）
api:
  record:
    steps:
      fields:
        handler: ~
"""


@pytest.fixture(scope="module")
def stalled_path(portal, truth):
    """A 空表 of the API family that no seeded defect touches, made to hang for 8 s."""
    seeded = {gid for gid, _ in portal.seeded_defects()}
    for g in truth:
        if g.portal != "fixture-api" or g.id in seeded:
            continue
        for m in g.materials or []:
            if m.blank_form and m.blank_form.url:
                return urlsplit(m.blank_form.url).path
    pytest.skip("no clean API guide with a 空表")


@pytest.fixture(scope="module")
def swept(portal, truth, stalled_path, tmp_path_factory):
    home = tmp_path_factory.mktemp("uncapturable")
    profile = home / "fixture-api-nohandler.yaml"
    profile.write_text(PROFILE, "utf-8")
    db = f"sqlite:///{home / 'sweep.sqlite3'}"
    portal.set_stalling(stalled_path, 8)
    try:
        proc = cli(home, "sweep", str(profile), "--base-url", portal.base_url, "--db", db,
                   "--set", "ATTACHMENT_TIMEOUT=2")
    finally:
        portal.set_stalling(stalled_path, None)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    store = Store(db)
    sweep = store.list_sweeps()[-1]
    yield {"store": store, "sweep": sweep, "guides": {g.record.id: g for g in store.guides(sweep.id)}}
    store.close()


def _expected(portal, truth, stalled_path) -> dict[str, dict[str, str]]:
    """The portal's verdicts, with the stalled file unverifiable and, the handler not being
    captured, E3-1 待核实 wherever no other seeded E3-1 defect fails it."""
    expected = portal.expected_elements({stalled_path})
    seeded: dict[str, set[str]] = {}
    for gid, rule in portal.seeded_defects():
        seeded.setdefault(gid, set()).add(rule)
    out = {}
    for g in truth:
        if g.portal != "fixture-api":
            continue
        verdicts = dict(expected[g.id])
        e31 = {r for r in seeded.get(g.id, ()) if r.startswith("steps.")} - {"steps.no-handler"}
        if not e31 and g.steps:
            verdicts["E3-1"] = "incomplete"
        out[g.id] = verdicts
    return out


def test_uncaptured_handler_and_unverifiable_files_are_incomplete_exactly(swept, portal, truth, stalled_path):
    expected = _expected(portal, truth, stalled_path)
    guides = swept["guides"]
    assert set(guides) == set(expected)
    wrong = {gid: (g.elements, expected[gid]) for gid, g in guides.items() if g.elements != expected[gid]}
    assert not wrong, list(wrong.items())[:3]
    unsure = sum(v == "incomplete" for g in guides.values() for v in g.elements.values())
    assert unsure == sum(v == "incomplete" for e in expected.values() for v in e.values())
    reasons = {u.reason for g in guides.values() for u in g.unsure}
    assert any("承办岗位" in r and "来源未采集" in r for r in reasons)
    assert any("下载超时" in r for r in reasons)


def test_no_defect_rests_on_what_was_not_captured(swept, portal, truth):
    api = {g.id for g in truth if g.portal == "fixture-api"}
    seeded = {(gid, rule) for gid, rule in portal.seeded_defects() if gid in api and rule != "steps.no-handler"}
    defects = swept["store"].defects(swept["sweep"].id, include_dismissed=True)
    stored = {(d.guide_id, d.rule) for d in defects}
    messages = {(d.guide_id, d.rule): d.message for d in defects}
    assert stored == seeded, "\n".join(defect_diff(stored, seeded, messages))


def test_check_run_names_the_profile_capture_gap(swept):
    runs = swept["store"].check_runs(swept["sweep"].id)
    assert len(runs) == 1 and runs[0].captures == {"fixture-api-nohandler": ["steps.handler"]}
