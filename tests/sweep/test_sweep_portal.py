"""A real sweep (`python -m guideaudit sweep …` in a subprocess, real Scrapy over loopback, real
SQLite) of the fixture portal, compared with the portal's ground truth; fetch failures; export.

One sweep of the HTML and API families is shared by the module; one guide page is made to fail
before it starts, so the same sweep also shows a fetch failure is not a guide defect.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from guideaudit.cli import main as cli_main
from guideaudit.store import Store

from .helpers import cli, compare_records, defect_diff


@pytest.fixture(scope="module")
def swept(portal, failing_guide, tmp_path_factory):
    home = tmp_path_factory.mktemp("sweep-home")
    db = f"sqlite:///{home / 'sweep.sqlite3'}"
    proc = cli(home, "sweep", "fixture-html", "fixture-api", "--base-url", portal.base_url, "--db", db)
    store = Store(db)
    sweeps = store.list_sweeps()
    yield {"proc": proc, "db": db, "home": home, "store": store, "sweep": sweeps[-1] if sweeps else None}
    store.close()


def _families(truth, *families):
    return [g for g in truth if g.portal in families]


def test_sweep_completes_and_says_where_results_are(swept, truth, failing_guide):
    proc, sweep = swept["proc"], swept["sweep"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sweep is not None and sweep.status == "complete"
    assert sweep.portal == "fixture-api+fixture-html" or sweep.portal == "fixture-html+fixture-api"
    expected = len(_families(truth, "fixture-html", "fixture-api")) - 1
    assert sweep.counts["guides"] == expected
    assert sweep.counts["pages"] > expected  # list pages as well as guide pages
    assert sweep.counts["attachments"] > 0
    assert sweep.started_at and sweep.finished_at and sweep.finished_at >= sweep.started_at
    assert swept["db"].split("///")[1] in proc.stdout  # says where the store is
    log = re.search(r"日志：(\S+)", proc.stdout).group(1)
    assert log == sweep.log_path and str(swept["home"] / "logs") in log
    with open(log, encoding="utf-8") as handle:
        assert "Spider closed (finished)" in handle.read()


def test_records_match_ground_truth(swept, truth, failing_guide):
    expected = [g for g in _families(truth, "fixture-html", "fixture-api") if g.id != failing_guide.id]
    stored = {r.id: r for r in swept["store"].records(swept["sweep"].id)}
    share, problems = compare_records(stored, expected)
    assert share >= 0.995, f"字段还原率 {share:.4%}\n" + "\n".join(problems)
    assert all(r.fetched_at for r in stored.values())


def test_stored_defects_equal_seeded(swept, portal, truth, failing_guide):
    ids = {g.id for g in _families(truth, "fixture-html", "fixture-api")} - {failing_guide.id}
    seeded = {(gid, rule) for gid, rule in portal.seeded_defects() if gid in ids}
    defects = swept["store"].defects(swept["sweep"].id, include_dismissed=True)
    stored = {(d.guide_id, d.rule) for d in defects}
    messages = {(d.guide_id, d.rule): f"{d.message}｜原文：{d.evidence[:80]}" for d in defects}
    problems = defect_diff(stored, seeded, messages)
    assert stored == seeded, "\n".join(problems)
    assert swept["sweep"].counts["defects"] == len(defects)


def test_fetch_failure_is_recorded_not_a_defect(swept, failing_guide):
    store, sweep = swept["store"], swept["sweep"]
    failures = store.fetch_failures(sweep.id)
    mine = [f for f in failures if f["url"] == failing_guide.url]
    assert mine and mine[0]["status"] == 404, failures
    assert mine[0]["referer"]  # the list page that linked it
    assert sweep.counts["fetch_failures"] == len(failures)
    assert failing_guide.id not in {r.id for r in store.records(sweep.id)}
    assert not [d for d in store.defects(sweep.id, include_dismissed=True) if d.guide_id == failing_guide.id]
    assert sweep.status == "complete"


def test_raw_page_kept_as_evidence(swept, truth):
    gbk = [g for g in truth if g.portal == "fixture-html" and "/jiq/front/transition/" in (g.url or "")]
    guide = gbk[-1]
    raw = swept["store"].raw_page(swept["sweep"].id, guide.id)
    assert raw is not None and raw.url == guide.url
    assert guide.item_name.encode("gbk") in raw.body  # the GBK district's page as fetched


def test_export_guides_jsonl_and_csv(swept, tmp_path):
    sweep = swept["sweep"]
    out = tmp_path / "指南.jsonl"
    assert cli_main(["export", "guides", "--format", "jsonl", "--out", str(out), "--db", swept["db"]]) == 0
    lines = out.read_text("utf-8").splitlines()
    assert len(lines) == sweep.counts["guides"]
    first = json.loads(lines[0])
    from guideaudit.record import GuideRecord

    assert GuideRecord.model_validate(first).id == first["id"]
    stored_ids = {r.id for r in swept["store"].records(sweep.id)}
    assert {json.loads(line)["id"] for line in lines} == stored_ids

    out_csv = tmp_path / "指南.csv"
    assert cli_main(["export", "guides", "--format", "csv", "--out", str(out_csv), "--db", swept["db"]]) == 0
    with open(out_csv, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sweep.counts["guides"]
    assert {r["id"] for r in rows} == stored_ids
    materials = json.loads(rows[0]["materials"])
    assert isinstance(materials, list) and materials[0]["name"]


def test_export_defects_csv_reads_back(swept, tmp_path):
    sweep = swept["sweep"]
    out = tmp_path / "问题清单.csv"
    assert cli_main(["export", "defects", "--format", "csv", "--out", str(out), "--db", swept["db"]]) == 0
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    defects = swept["store"].defects(sweep.id)
    assert len(rows) == len(defects) > 0
    for column in ("单位", "事项", "要素", "问题", "原文", "建议", "链接", "首次发现"):
        assert column in rows[0]
    by_id = {d.defect_id: d for d in defects}
    row = rows[0]
    d = by_id[row["问题编号"]]
    assert row["单位"] == d.agency and row["事项"] == d.item_name and row["链接"] == d.url
    assert row["要素"].startswith(d.element)
    assert row["首次发现"] == sweep.started_at.strftime("%Y-%m-%d")
    assert not any(r["原文"].startswith(("=", "+", "@")) for r in rows)

    out_jsonl = tmp_path / "问题清单.jsonl"
    assert cli_main(["export", "defects", "--format", "jsonl", "--out", str(out_jsonl), "--db", swept["db"]]) == 0
    parsed = [json.loads(line) for line in out_jsonl.read_text("utf-8").splitlines()]
    assert {p["问题编号"] for p in parsed} == set(by_id)


def test_export_indicators_per_agency(swept, truth, tmp_path):
    out = tmp_path / "指标.csv"
    assert cli_main(["export", "indicators", "--format", "csv", "--out", str(out), "--db", swept["db"]]) == 0
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    agencies = {r.agency for r in swept["store"].records(swept["sweep"].id)}
    assert {r["单位"] for r in rows} == agencies | {"全部"}
    overall = {r["指标"]: r for r in rows if r["单位"] == "全部"}
    assert int(overall["guide_accuracy"]["样本数"]) == swept["sweep"].counts["guides"]
    assert 0 < float(overall["guide_accuracy"]["值"]) < 1


def test_sweeps_lists_the_sweep(swept, capsys):
    assert cli_main(["sweeps", "--db", swept["db"]]) == 0
    out = capsys.readouterr().out
    assert "完成" in out and swept["sweep"].portal in out
    assert str(swept["sweep"].counts["guides"]) in out


def test_export_without_complete_sweep_is_a_clear_error(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert cli_main(["export", "defects", "--format", "csv", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "还没有完成的抓取" in err and str(tmp_path) in err


def test_stored_verdicts_equal_expected_with_robots_forms_incomplete(swept, portal, truth, failing_guide):
    """robots.txt forbids two shared forms: every guide linking one is 待核实 on that element
    (never pass, never a defect), and exactly those are."""
    expected = portal.expected_elements()
    stored = {g.record.id: g for g in swept["store"].guides(swept["sweep"].id)}
    wrong = {gid: (g.elements, expected[gid]) for gid, g in stored.items() if g.elements != expected[gid]}
    assert not wrong, list(wrong.items())[:3]
    unsure = {(gid, el) for gid, g in stored.items() for el, v in g.elements.items() if v == "incomplete"}
    assert unsure and unsure == {(gid, el) for gid in stored for el, v in expected[gid].items() if v == "incomplete"}
    reasons = {u.reason for g in stored.values() for u in g.unsure}
    assert any("robots.txt" in r for r in reasons)
