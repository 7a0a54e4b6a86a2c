"""要素规范统一 and the 减时间/减跑动 comparison over real loopback sweeps of the fixture portal's
city API and its two county copies (fixtures/portal/county.py): exactly the seeded deviations
and no others; the office's high-frequency list and its bad input; the real 广东 sample."""

from __future__ import annotations

import csv
import json

import pytest

from tests.sweep.helpers import cli

N_GUIDES = 400
SEED = 2031


@pytest.fixture(scope="module")
def portal():
    from guideaudit.fixtures.portal import FixturePortal

    with FixturePortal(n_guides=N_GUIDES, seed=SEED, port=0, process=False) as p:
        yield p


@pytest.fixture(scope="module")
def truth(portal):
    from guideaudit.fixtures.portal.county import LevelCopies

    return LevelCopies(portal.site).truth


@pytest.fixture(scope="module")
def swept(portal, tmp_path_factory):
    """Sweep 1: the city (市级); sweeps 2 and 3: the 临溪县 and 白沙县 copies, each under its own
    prefix, into one real SQLite store."""
    from guideaudit.fixtures.portal.county import COUNTIES, county_prefix

    home = tmp_path_factory.mktemp("levels-home")
    for base in (portal.base_url, *(portal.base_url + county_prefix(c) for c in COUNTIES)):
        done = cli(home, "sweep", "fixture-api", "--base-url", base)
        assert done.returncode == 0, done.stderr[-2000:]
    return home


def _levels(home, *args):
    done = cli(home, "levels", "--sweep", "1", "--sweep", "2", "--sweep", "3", *args, "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout), done.stderr


def _behind(data) -> set[tuple[str, str]]:
    return {(g["guide"], kind) for g in data["reductions"]["guides"] for kind in ("days", "visits") if g[f"behind_{kind}"]}


def test_exactly_the_seeded_deviations(swept, truth):
    data, err = _levels(swept, "--top", "0")
    found = {(d["guide"], d["field"]) for d in data["deviations"]}
    assert found == truth.deviations
    assert {f for _, f in found} == {"item_name", "legal_basis", "item_type", "statutory_limit", "basic_code"}
    # Every deviation is a county's, shown beside the majority (the city and the other county).
    assert all(d["level"] == "县级" and d["majority_n"] >= 2 and d["value"] != d["majority"] for d in data["deviations"])
    missing = [d for d in data["deviations"] if d["field"] == "basic_code" and d["value"] == ""]
    wrong = [d for d in data["deviations"] if d["field"] == "basic_code" and d["value"]]
    assert len(missing) == 1 and len(wrong) == 1 and wrong[0]["majority"] == wrong[0]["group"]
    # Three sweeps of 100 guides: every 事项 is published by the city and both counties.
    assert len(data["groups"]) >= 50 and all(len(v) >= 3 for v in data["groups"].values())
    assert "要素不一致 6 处" in err
    # Default selection, all of it: the seeded 承诺/到现场 differences, no others.
    assert _behind(data) == truth.behind
    assert data["reductions"]["selection"].startswith("默认：各层级（市级、县级）都有的办理项")
    levels = {(i["group"], i["level"]) for i in data["reductions"]["items"]}
    assert {lv for _, lv in levels} == {"市级", "县级"}
    county = [i for i in data["reductions"]["items"] if i["level"] == "县级"]
    assert all(i["units"] == 2 for i in county)
    assert any(i["promised_spread"] and i["promised_spread"] > 0 for i in county)  # a county promising 7 days more
    assert any(i["visits_spread"] == 1 or (i["visits_max"] or 0) == 2 for i in county)


def test_default_top_ranks_and_cuts(swept):
    data, err = _levels(swept)
    assert len({(g["group"], g["item_name"]) for g in data["reductions"]["guides"]}) == 20
    assert "比较前 20 个" in data["reductions"]["selection"]


def test_high_frequency_list_by_name_and_code(swept, truth, tmp_path):
    """The office's list (names in csv, codes in xlsx) chooses the 事项; a line matching nothing
    is a warning naming the line."""
    names = tmp_path / "高频事项.csv"
    rows = ["序号,事项名称", *(f"{i},{name}" for i, name in enumerate(truth.items.values(), 1)), "99,本市没有的事项"]
    names.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data, err = _levels(swept, "--high-frequency", str(names))
    assert _behind(data) == truth.behind
    assert {g["group"] for g in data["reductions"]["guides"]} == set(truth.items)
    assert f"第{len(truth.items) + 2}行" in err and "本市没有的事项" in err and "未知的列 A列「序号」" in err
    from openpyxl import Workbook

    codes = tmp_path / "高频事项.xlsx"
    wb = Workbook()
    wb.active.append(["基本编码"])
    for code in truth.items:
        wb.active.append([code])
    wb.save(codes)
    data, _ = _levels(swept, "--high-frequency", str(codes))
    assert _behind(data) == truth.behind
    assert {g["group"] for g in data["reductions"]["guides"]} == set(truth.items)
    ratios = [g["ratio"] for g in data["reductions"]["guides"] if g["ratio"] is not None]
    assert ratios and all(0 <= r <= 1 for r in ratios)


def test_two_sweeps_ties_go_to_the_higher_level(swept, truth, portal):
    """City and one county: each disagreement is a 1:1 tie, and the city (市级) stands."""
    from guideaudit.fixtures.portal.county import LevelCopies

    linxi = {g.gid for g in LevelCopies(portal.site).counties["linxi"].guides}
    done = cli(swept, "levels", "--sweep", "1", "2", "--format", "json")
    assert done.returncode == 0, done.stderr
    found = {(d["guide"], d["field"]) for d in json.loads(done.stdout)["deviations"]}
    assert found == {t for t in truth.deviations if t[0] in linxi}


def test_xlsx_csv_and_table(swept, tmp_path):
    out = tmp_path / "层级.xlsx"
    done = cli(swept, "levels", "--sweep", "1", "2", "3", "--top", "0", "--format", "xlsx", "--out", str(out))
    assert done.returncode == 0, done.stderr
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames == ["要素规范统一率", "不一致", "减时间减跑动（各层级）", "减时间减跑动（各单位）"]
    assert [c.value for c in wb["减时间减跑动（各层级）"][1]][:5] == ["基本编码", "办理项", "行使层级", "单位数", "法定时限"]
    behind = [r for r in wb["减时间减跑动（各单位）"].iter_rows(min_row=2, values_only=True) if r[-1]]
    assert behind and all(r[-1] in ("承诺时限", "到现场次数", "承诺时限、到现场次数") for r in behind)
    done = cli(swept, "levels", "--sweep", "1", "2", "3", "--format", "csv", "--part", "reductions")
    assert done.returncode == 0 and done.stdout.lstrip("\ufeff").startswith("基本编码,办理项,行使层级")
    rows = list(csv.reader(done.stdout.lstrip("\ufeff").splitlines()))
    assert len(rows) == 1 + 20 * 2  # 20 办理项 (the default) at 市级 and 县级
    table = cli(swept, "levels", "--sweep", "1", "2", "3")
    assert table.returncode == 0 and "减时间/减跑动" in table.stdout and "要素不一致" in table.stdout


BAD_LISTS = [
    # (file name, content, what the message must say)
    ("空.csv", "", ["空.csv", "文件是空的"]),
    ("无表头.csv", "食品经营许可\n医师执业注册\n", ["无表头.csv", "第1行", "事项名称", "基本编码"]),
    ("编码.csv", "事项名称,基本编码\n食品经营许可,440100001\n", ["编码.csv", "第2行", "B列「基本编码」", "12 位"]),
    ("空行.csv", "事项名称,基本编码,备注\n,,只有备注\n", ["空行.csv", "第2行", "A列「事项名称」", "都是空的"]),
    ("两列.csv", "事项名称,名称\n甲,乙\n", ["两列.csv", "第1行", "只能有一列"]),
    ("长.csv", "事项名称\n" + "很" * 300 + "\n", ["长.csv", "第2行", "A列「事项名称」", "过长"]),
    ("坏.xlsx", "这不是 xlsx", ["坏.xlsx", "无法作为 xlsx 读取"]),
    ("清单.pdf", "%PDF-1.4", ["清单.pdf", ".xlsx 或 .csv"]),
    ("只有表头.csv", "事项名称\n\n", ["只有表头.csv", "没有任何事项"]),
]


@pytest.mark.parametrize(("name", "content", "says"), BAD_LISTS, ids=[b[0] for b in BAD_LISTS])
def test_bad_high_frequency_list(swept, tmp_path, name, content, says):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    done = cli(swept, "levels", "--sweep", "1", "2", "--high-frequency", str(path))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    for word in says:
        assert word in done.stderr, (word, done.stderr)


def test_list_in_gbk_and_missing_file(swept, tmp_path, truth):
    path = tmp_path / "gbk.csv"
    path.write_bytes(("事项名称\n" + next(iter(truth.items.values())) + "\n").encode("gb18030"))
    data, _ = _levels(swept, "--high-frequency", str(path))
    assert len({g["group"] for g in data["reductions"]["guides"]}) == 1
    done = cli(swept, "levels", "--sweep", "1", "--high-frequency", str(tmp_path / "无.csv"))
    assert done.returncode == 2 and "无.csv" in done.stderr and "不存在" in done.stderr
    done = cli(swept, "levels", "--sweep", "1", "--high-frequency", str(path), "--top", "5")
    assert done.returncode == 2 and "--top" in done.stderr


def test_real_guangdong_sample(repo_root, tmp_path):
    """省级 and 广州 guides of the same 事项 in the real 2021 sample."""
    done = cli(tmp_path, "levels", "--records", str(repo_root / "fixtures/realdata/gdzwfw_2021_sample.jsonl"),
               "--from", "gdzwfw-2021", "--format", "json", "--top", "0")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["groups"]) >= 15
    # 无线电频率使用许可(注销): 省 30 工作日, 广州 20 工作日 — the one 法定时限 deviation; a tie,
    # so the higher level stands.
    assert [(d["field"], d["value"], d["majority"]) for d in data["deviations"]] == [
        ("statutory_limit", "20(工作日)", "30(工作日)")]
    red = data["reductions"]
    assert {i["level"] for i in red["items"]} == {"省级", "市级"}
    behind = {(g["unit"], g["item_name"]) for g in red["guides"] if g["behind_days"]}
    # 海域使用权转让审批: 省 10 日, 广州 1 日; the 省司法厅 律师执业 办理项 promise 13 days, 广州 8–10.
    assert ("广东省自然资源厅", "海域使用权转让审批") in behind
    assert all(unit.startswith("广东省") for unit, _ in behind)
    assert not any(g["behind_visits"] for g in red["guides"])


def test_report_gains_a_levels_part(swept, truth, tmp_path):
    """report --consistency LEVELS.json: 要素规范统一 (every unit, every deviation) and the
    减时间/减跑动 tables in the HTML report, parsed back; two results of one kind are refused."""
    from bs4 import BeautifulSoup

    result = tmp_path / "层级.json"
    done = cli(swept, "levels", "--sweep", "1", "2", "3", "--top", "0", "--format", "json", "--out", str(result))
    assert done.returncode == 0, done.stderr
    data = json.loads(result.read_text("utf-8"))
    out = tmp_path / "报告"
    done = cli(swept, "report", "--quiet", "--out", str(out), "--consistency", str(result))
    assert done.returncode == 0, done.stderr
    soup = BeautifulSoup((out / "报告.html").read_text("utf-8"), "html.parser")
    part = soup.find("section", id="consistency").find("div", id="levels")
    tables = part.find_all("table")
    assert sorted(tr.find("td").get_text() for tr in tables[0].find("tbody").find_all("tr")) == sorted(data["units"])
    shown = {tr.find_all("td")[4].find("span", class_="code").get_text() for tr in tables[1].find("tbody").find_all("tr")}
    assert shown == {g for g, _ in truth.deviations}
    behind = tables[-1].find("tbody").find_all("tr")
    assert len(behind) == len({g for g, _ in truth.behind})
    again = cli(swept, "report", "--quiet", "--out", str(out), "--consistency", str(result), "--consistency", str(result))
    assert again.returncode == 2 and "每种只能给一个" in again.stderr


def test_high_frequency_figures_for_the_scheme(swept, truth, tmp_path):
    """--for A4-1=hf_time_reduction_mean writes each unit's mean 压缩比 over the listed 高频事项:
    临溪县 (7 days more on one 办理项) < the city < 白沙县 (half the days on another)."""
    listing = tmp_path / "高频.csv"
    listing.write_text("基本编码\n" + "\n".join(truth.items) + "\n", encoding="utf-8")
    figures = tmp_path / "高频指标.csv"
    data, _ = _levels(swept, "--high-frequency", str(listing), "--figures", str(figures),
                      "--for", "A4-1=hf_time_reduction_mean", "--for", "A4-3=hf_visits_mean")
    rows = list(csv.DictReader(figures.open(encoding="utf-8-sig")))
    by = {(r["unit"], r["indicator"]): float(r["value"]) for r in rows}
    assert {i for _, i in by} == {"A4-1", "A4-3"} and len(by) == 2 * len(data["reductions"]["units"])

    # Units are 实施主体 (bureaus): compare the bureaus publishing each seeded 办理项.
    guides = data["reductions"]["guides"]

    def same_item(g, level_or_county):
        return next(h for h in guides if (h["group"], h["item_name"]) == (g["group"], g["item_name"])
                    and level_or_county in (h["level"], h["unit"][3:6]))

    behind = [g for g in guides if (g["guide"], "days") in truth.behind or (g["guide"], "visits") in truth.behind]
    slow = next(g for g in behind if "临溪县" in g["unit"] and g["behind_days"])
    assert by[(slow["unit"], "A4-1")] < by[(same_item(slow, "市级")["unit"], "A4-1")]
    city_behind = next(g for g in behind if g["level"] == "市级" and g["behind_days"])
    fast = same_item(city_behind, "白沙县")
    assert by[(fast["unit"], "A4-1")] > by[(city_behind["unit"], "A4-1")]
    more = next(g for g in behind if g["behind_visits"])
    assert by[(more["unit"], "A4-3")] > by[(same_item(more, "市级")["unit"], "A4-3")]
