"""Everything `guideaudit report` writes, from one stored sweep: 缺陷清单.xlsx/.csv, 评分.xlsx and
报告.html. Reads the store only; checks are never re-run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guideaudit.reports.checkruns import check_difference, check_identity
from guideaudit.reports.compare import compare, latest_pair
from guideaudit.reports.crawl import crawl_summary
from guideaudit.reports.csv import write_defect_csv, write_unsure_csv
from guideaudit.reports.defects import DefectList, collect, sweep_label
from guideaudit.reports.html import TrendPoint, build_context, write_html
from guideaudit.reports.scorebook import write_score_workbook
from guideaudit.reports.scorecard import Scorecard, build_scorecards
from guideaudit.reports.scoring import Scoring, score_sweep
from guideaudit.reports.xlsx import write_defect_workbook

from guideaudit.store import Store, Sweep

DEFECTS_XLSX = "缺陷清单.xlsx"
DEFECTS_CSV = "缺陷清单.csv"
PER_UNIT_DIR = "各单位缺陷清单"


def unit_file_name(unit: str) -> str:
    """A unit name as a file name on any system (the names come from portals)."""
    import re

    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", unit).strip(" .") or "单位"
    return name[:80]
UNSURE_CSV = "待核实清单.csv"
SCORES_XLSX = "评分.xlsx"
REPORT_HTML = "报告.html"
TREND_SWEEPS = 8


@dataclass
class ScoreOptions:
    scheme: str | None = None
    metrics: tuple[str, ...] = ()
    aliases: str | None = None
    unit_type: str | None = None
    allow_missing: bool = False


@dataclass
class Built:
    out: Path
    files: list[Path]
    defects: DefectList
    cards: list[Scorecard]
    scoring: Scoring
    trend: list[TrendPoint] = field(default_factory=list)
    comparison: Any = None  # reports.compare.Comparison with the previous sweep, when there is one


class Progress:
    """What the build reports as it goes; the command backs it with a rich progress bar."""

    def start(self, label: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


def _scored(store: Store, sweep: Sweep, options: ScoreOptions) -> Scoring:
    return score_sweep(
        store, sweep, options.scheme, options.metrics, options.aliases, options.unit_type, options.allow_missing
    )


def trend_sweeps(store: Store, sweep: Sweep, limit: int = TREND_SWEEPS) -> list[Sweep]:
    """Complete sweeps of the same portal up to this one, oldest first, at most ``limit``."""
    earlier = store.complete_sweeps_before(sweep)
    return [*earlier[-(limit - 1) :], sweep] if limit > 1 else [sweep]


def build_report(
    store: Store,
    sweep: Sweep,
    out: Path,
    options: ScoreOptions | None = None,
    progress: Progress | None = None,
    trend_limit: int = TREND_SWEEPS,
    per_unit: bool = False,
    consistency: dict | None = None,
) -> Built:
    options = options or ScoreOptions()
    progress = progress or Progress()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    def step(label: str, total: int | None = None) -> Callable[..., None]:
        progress.start(label, total)
        return progress.advance

    advance = step(f"读取第 {sweep.id} 次抓取的检查结果", store.guide_count(sweep.id))
    defects = collect(store, sweep, on_guide=advance)
    step("计算评分")
    scoring = _scored(store, sweep, options)
    advance()
    cards = build_scorecards(
        scoring.result,
        defects,
        lambda u: scoring.agencies_of(u, list(defects.units)),
        scoring.figure_units(),
        scoring.order(),
    )

    trend: list[TrendPoint] = []
    history = trend_sweeps(store, sweep, trend_limit)
    if len(history) > 1:
        current_run = check_identity(store, sweep.id)
        advance = step("汇总历次抓取（趋势）", len(history))
        for past in history:
            if past.id == sweep.id:
                past_defects, past_scoring = defects, scoring
            else:
                past_defects = collect(store, past, with_rows=False)
                try:
                    past_scoring = _scored(store, past, options)
                except Exception:  # an older sweep that cannot be scored still shows its rates
                    past_scoring = None
            totals = {u.unit: u.total for u in past_scoring.result.units} if past_scoring else {}
            whole = past_defects.total
            trend.append(TrendPoint(
                past.id, sweep_label(past, past.id), whole.pass_rate(), whole.defects, totals,
                check_note=check_difference(check_identity(store, past.id), current_run),
                unsure=whole.unsure_total,
            ))
            advance()

    comparison = None
    pair = latest_pair(store, sweep.id)
    if pair is not None:
        advance = step(f"与第 {pair[0].id} 次抓取比较", store.guide_count(pair[0].id) + store.guide_count(sweep.id))
        comparison = compare(store, *pair, on_guide=advance)

    crawl = crawl_summary(store, sweep)
    files = [out / DEFECTS_XLSX, out / DEFECTS_CSV, out / SCORES_XLSX, out / REPORT_HTML, out / UNSURE_CSV]
    advance = step("写入缺陷清单", len(defects.rows))
    write_defect_workbook(files[0], defects, store.display_url, on_row=advance, crawl=crawl,
                          store_id=store.identity)
    write_defect_csv(files[1], defects)
    write_unsure_csv(files[4], defects)
    if per_unit:
        folder = out / PER_UNIT_DIR
        folder.mkdir(exist_ok=True)
        advance = step("写入各单位的缺陷清单", len(defects.units))
        for unit in defects.units:
            path = folder / f"{unit_file_name(unit)}.xlsx"
            write_defect_workbook(path, defects.only(unit), store.display_url, store_id=store.identity)
            files.append(path)
            advance()
    step("写入评分表和报告")
    write_score_workbook(files[2], cards, scoring, sweep)
    write_html(files[3], build_context(defects, cards, scoring, trend, comparison=comparison, consistency=consistency,
                                       crawl=crawl))
    advance()
    return Built(out, files, defects, cards, scoring, trend, comparison)
