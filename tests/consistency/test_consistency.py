"""Consistency over real sweeps of the fixture portal's two channels (loopback only), its
offline 实施清单, and the real 广东 2021 sample: exactly the seeded divergences, no others."""

from __future__ import annotations

import json

import pytest

from tests.sweep.helpers import cli

N_GUIDES = 400


@pytest.fixture(scope="module")
def portal():
    from guideaudit.fixtures.portal import FixturePortal

    with FixturePortal(n_guides=N_GUIDES, seed=2026, port=0, process=False) as p:
        yield p


@pytest.fixture(scope="module")
def swept(portal, tmp_path_factory):
    """Sweep 1: the API channel; sweep 2: the mobile channel (/m/), into one real SQLite store."""
    home = tmp_path_factory.mktemp("consistency-home")
    for base in (portal.base_url, portal.base_url + "/m"):
        done = cli(home, "sweep", "fixture-api", "--base-url", base)
        assert done.returncode == 0, done.stderr[-2000:]
    return home


def _json(home, *args):
    done = cli(home, "consistency", *args, "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout), done.stderr


def test_mobile_channel_exactly_the_seeded_divergences(portal, swept):
    from guideaudit.fixtures.portal.channel import MobileChannel

    truth = MobileChannel(portal.site).truth
    data, _err = _json(swept, "--a", "1", "--b", "2")
    found = {(d["a"], d["field"]) for d in data["differences"]}
    assert found == truth.differences
    assert set(data["only_a"]) == truth.only_a
    assert set(data["only_b"]) == truth.only_b
    assert {(u["a"], u["b"]) for u in data["uncertain"]} == truth.uncertain
    sims = sorted(u["similarity"] for u in data["uncertain"])
    assert sims[-1] == 1.0 and 0.8 <= sims[0] < 1.0  # the reworded one is shown with its similarity
    # Every difference carries both texts.
    assert all(d["a_text"] != d["b_text"] for d in data["differences"])
    # Format-only changes (full-width phone, 个工作日, spaces, <br>) are no finding.
    assert not truth.noise & {d["a"] for d in data["differences"]}


def test_offline_list_with_unknown_column_and_duplicate(portal, swept, tmp_path):
    from guideaudit.fixtures.portal.channel import UNKNOWN_COLUMN, write_item_list

    path = tmp_path / "实施清单.xlsx"
    truth = write_item_list(portal.site, path)
    data, err = _json(swept, "--a", "1", "--b", str(path))
    assert UNKNOWN_COLUMN in err and "未知的列" in err and "第1行" in err
    dup = next(n for n in truth.noise if n.startswith("duplicate:")).split(":", 1)[1]
    assert "重复" in err and dup in err
    assert {(d["a"], d["field"]) for d in data["differences"]} == truth.differences
    assert set(data["only_a"]) == truth.only_a
    assert set(data["only_b"]) == truth.only_b
    assert {u["a"] for u in data["uncertain"]} == {a for a, _ in truth.uncertain}
    basic = next(n for n in truth.noise if not n.startswith("duplicate:"))
    assert any(p["key"] == "basic_code+agency" for p in data["pairs"]), basic


def test_csv_xlsx_and_table(swept, tmp_path):
    out = tmp_path / "c.xlsx"
    done = cli(swept, "consistency", "--a", "1", "--b", "2", "--format", "xlsx", "--out", str(out),
               "--figures", str(tmp_path / "f.csv"))
    assert done.returncode == 0, done.stderr
    from openpyxl import load_workbook

    assert load_workbook(out).sheetnames == ["同源率", "各字段一致率", "问题清单"]
    assert "same_source_share" in (tmp_path / "f.csv").read_text(encoding="utf-8-sig")
    table = cli(swept, "consistency", "--a", "1", "--b", "2")
    assert table.returncode == 0 and "同源率" in table.stdout and "待核实" in table.stdout
    csv_out = cli(swept, "consistency", "--a", "1", "--b", "2", "--format", "csv")
    assert csv_out.stdout.startswith("类型,单位")


def test_no_common_items_is_a_chinese_error(swept, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("事项名称,实施主体\n完全无关的事项,某某局\n", encoding="utf-8")
    done = cli(swept, "consistency", "--a", "1", "--b", str(other))
    assert done.returncode == 2
    assert "没有任何共同的事项" in done.stderr and "Traceback" not in done.stderr


def test_missing_name_column_names_file(swept, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,备注\n1,x\n", encoding="utf-8")
    done = cli(swept, "consistency", "--a", "1", "--b", str(bad))
    assert done.returncode == 2 and "事项名称" in done.stderr and "bad.csv" in done.stderr
    assert "Traceback" not in done.stderr


def test_levels_on_fixture_sweeps(swept):
    """The two channels publish under the same 实施主体: one unit is no cross-level group, so
    the mobile channel's divergences are consistency findings, never 要素规范统一 ones."""
    done = cli(swept, "levels", "--sweep", "1", "2", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"groups", "deviations", "units", "reductions"}
    assert not [d for d in data["deviations"] if d["guide"].startswith("M")]


def test_figures_feed_the_scheme_indicator(swept, tmp_path):
    """--for C3-1=same_source_share writes the 同源率 under anda-2020's own indicator id:
    `score` then reads it as that indicator's figure, not a typed one."""
    figures = tmp_path / "同源率.csv"
    done = cli(swept, "consistency", "--a", "1", "--b", "2", "--format", "json", "--figures", str(figures),
               "--for", "C3-1", "--for", "C3-2=consistency_share")
    assert done.returncode == 0, done.stderr
    import csv

    rows = list(csv.DictReader(figures.open(encoding="utf-8-sig")))
    assert rows and {r["indicator"] for r in rows} == {"C3-1", "C3-2"}
    assert all(0 <= float(r["value"]) <= 1 for r in rows)
    unit = rows[0]["unit"]
    scored = cli(swept, "score", "--scheme", "anda-2020", "--metrics", str(figures), "--allow-missing")
    assert scored.returncode == 0, scored.stderr
    line = next(line for line in scored.stdout.splitlines() if "C3-1" in line and "同源" in line)
    assert "同源率.csv" in line and unit in scored.stdout
    bad = cli(swept, "consistency", "--a", "1", "--b", "2", "--format", "json", "--figures", str(figures), "--for", "C3-1=x")
    assert bad.returncode == 2 and "应为 指标编号=数字" in bad.stderr


def test_report_gains_a_consistency_section(swept, tmp_path):
    """report --consistency FILE.json: a 数据同源 section with every unit and the differences
    (parsed back); a file that is not such a result is a Chinese error."""
    from bs4 import BeautifulSoup

    result = tmp_path / "同源.json"
    done = cli(swept, "consistency", "--a", "1", "--b", "2", "--format", "json", "--out", str(result))
    assert done.returncode == 0, done.stderr
    data = json.loads(result.read_text("utf-8"))
    out = tmp_path / "报告"
    done = cli(swept, "report", "--quiet", "--out", str(out), "--consistency", str(result))
    assert done.returncode == 0, done.stderr
    soup = BeautifulSoup((out / "报告.html").read_text("utf-8"), "html.parser")
    section = soup.find("section", id="consistency")
    units = [tr.find("td").get_text() for tr in section.find("table").find("tbody").find_all("tr")]
    assert sorted(units) == sorted(data["units"])
    shown = section.find_all("table")[1].find("tbody").find_all("tr") if data["differences"] else []
    assert len(shown) == min(len(data["differences"]), 300)
    (tmp_path / "bad.json").write_text("{\"x\": 1}", "utf-8")
    bad = cli(swept, "report", "--quiet", "--out", str(out), "--consistency", str(tmp_path / "bad.json"))
    assert bad.returncode == 2 and "不是 guideaudit consistency 或 levels --format json 的结果" in bad.stderr
