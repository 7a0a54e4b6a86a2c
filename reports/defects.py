"""Defect-list rows: one stored defect as auditors read it, and the sweep-wide tallies beside them.

Everything here comes from what a sweep stored (never from re-running checks). Defects an
auditor dismissed as 误报 while the guide stayed unchanged are left out of the rows and out of
every tally; a guide that changed since is judged afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from guideaudit.checks.elements import ALL_CODES, ELEMENTS
from guideaudit.checks.stored import result_of

from guideaudit.store import Store, StoredDefect, StoredGuide, StoredUnsure, Sweep
from guideaudit.units import unit_of
from guideaudit.vocab import REVIEW_STATUSES, ReviewStatus, Verdict
from guideaudit.vocab import SEVERITY_LABELS as VOCAB_SEVERITY_LABELS

SEVERITY_LABELS = VOCAB_SEVERITY_LABELS
MARKED_FIXED_BUT_PRESENT = "标记已整改但仍存在"
STATUSES = REVIEW_STATUSES
# What an auditor may decide on a 待核实 element: 确认 (a real defect) or 误报 (it passes).
UNSURE_STATUSES = (ReviewStatus.CONFIRMED.value, ReviewStatus.DISMISSED.value)
# Excel holds at most 32,767 characters in a cell; quoted evidence beyond this helps nobody.
TEXT_CAP = 2000

# Column header → width. The order is the layout of every unit sheet and of the csv; the review
# import finds columns by these headers, so renaming one breaks reading back older files.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 6),
    ("单位", 20),
    ("事项名称", 28),
    ("事项编码", 22),
    ("要素", 18),
    ("问题", 36),
    ("类别", 6),
    ("原文", 44),
    ("建议", 36),
    ("链接", 14),
    ("首次发现", 16),
    ("状态", 8),
    ("复核意见", 28),
    ("整改期限", 12),  # the columns an office keeps a rectification list with: filled by hand,
    ("责任人", 10),  # not imported
    ("整改情况", 24),
    ("复核记录", 24),
    ("问题编号", 18),
    ("校验码", 12),
)
HEADERS: tuple[str, ...] = tuple(name for name, _ in COLUMNS)
CHECK_HEADER = "校验码"

# The 待核实 sheet: same review columns (状态, 复核意见, 问题编号, 校验码), so one import reads both.
UNSURE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 6),
    ("单位", 20),
    ("事项名称", 28),
    ("事项编码", 22),
    ("要素", 18),
    ("待核实原因", 44),
    ("原文", 40),
    ("链接", 14),
    ("状态", 8),
    ("复核意见", 28),
    ("复核记录", 24),
    ("问题编号", 18),
    ("校验码", 12),
)
UNSURE_HEADERS: tuple[str, ...] = tuple(name for name, _ in UNSURE_COLUMNS)


def row_check(defect_id: str, guide_id: str) -> str:
    """Ties a row's defect id to its guide: an id edited in the sheet no longer matches, even
    when it happens to be another valid id. Not a secret, only a guard against slips."""
    return hashlib.sha256(f"guideaudit-review|{defect_id}|{guide_id}".encode()).hexdigest()[:12]


def cap(text: str | None, limit: int = TEXT_CAP) -> str:
    text = text or ""
    if len(text) <= limit:
        return text
    return text[:limit] + f"…（已截断，原文共 {len(text)} 字）"


def safe_url(url: str | None) -> str | None:
    """Only http(s) links become hyperlinks: a portal could publish javascript: or file: URLs."""
    if not url:
        return None
    url = url.strip()
    if url.lower().startswith(("http://", "https://")) and len(url) <= 2000 and not any(
        c in url for c in '\n\r\t"<> '
    ):
        return url
    return None


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (UTC; SQLite gives it back without a zone) in this machine's time zone."""
    if not isinstance(value, datetime):
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime(fmt)


def element_label(code: str) -> str:
    name = ALL_CODES.get(code)
    return f"{code} {name}" if name else code


def sweep_label(sweep: Sweep | None, sweep_id: int) -> str:
    if sweep is None:
        return f"第{sweep_id}次"
    return f"第{sweep_id}次 {local_time(sweep.started_at, '%Y-%m-%d')}"


@dataclass(frozen=True)
class DefectListRow:
    defect_id: str
    guide_id: str
    unit: str
    item_name: str
    item_code: str
    element: str
    rule: str
    severity: str
    message: str
    evidence: str
    suggestion: str
    url: str | None
    first_seen: str
    status: str
    comment: str
    review_note: str

    @property
    def check(self) -> str:
        return row_check(self.defect_id, self.guide_id)

    def cells(self, number: int) -> list[str | int]:
        """The row as the sheet and the csv show it, in COLUMNS order."""
        return [
            number,
            self.unit,
            self.item_name,
            self.item_code,
            element_label(self.element),
            self.message,
            SEVERITY_LABELS.get(self.severity, self.severity),
            self.evidence,
            self.suggestion,
            self.url or "",
            self.first_seen,
            self.status,
            self.comment,
            "",
            "",
            "",
            self.review_note,
            self.defect_id,
            self.check,
        ]


@dataclass(frozen=True)
class DismissedRow:
    """A defect left off the list because an auditor marked it 误报 (who, when, why)."""

    defect_id: str
    unit: str
    item_name: str
    item_code: str
    element: str
    message: str
    evidence: str
    reviewer: str
    reviewed_at: str
    comment: str


DISMISSED_HEADERS = ("单位", "事项名称", "事项编码", "要素", "问题", "原文", "复核人", "复核时间", "误报理由", "问题编号")


@dataclass(frozen=True)
class UnsureListRow:
    """One 待核实 element of one guide: what could not be judged and why."""

    item_id: str
    guide_id: str
    unit: str
    item_name: str
    item_code: str
    element: str
    reasons: str
    evidence: str
    url: str | None
    status: str
    comment: str
    review_note: str

    @property
    def check(self) -> str:
        return row_check(self.item_id, self.guide_id)

    def cells(self, number: int) -> list[str | int]:
        return [
            number, self.unit, self.item_name, self.item_code, element_label(self.element), self.reasons,
            self.evidence, self.url or "", self.status, self.comment, self.review_note, self.item_id, self.check,
        ]


@dataclass
class UnitTally:
    """One 实施主体's guides and defects in a sweep, reviews applied."""

    unit: str
    guides: int = 0
    guides_with_errors: int = 0
    defects: int = 0
    by_element: dict[str, int] = field(default_factory=dict)  # element code → defects
    passed: dict[str, int] = field(default_factory=dict)  # E-code → guides passing it
    applicable: dict[str, int] = field(default_factory=dict)  # E-code → guides judged on it (pass + fail)
    unsure: dict[str, int] = field(default_factory=dict)  # E-code → guides where it is 待核实
    marked_fixed_but_present: int = 0  # defects marked 已整改 that this sweep still finds

    @property
    def unsure_total(self) -> int:
        return sum(self.unsure.values())

    def pass_rate(self, code: str | None = None) -> float | None:
        """Share of judged (guide × element) that pass, 待核实 left out; one element or all 13."""
        codes = [code] if code else list(ELEMENTS)
        total = sum(self.applicable.get(c, 0) for c in codes)
        if not total:
            return None
        return sum(self.passed.get(c, 0) for c in codes) / total


@dataclass
class DefectList:
    sweep: Sweep
    rows: list[DefectListRow]
    units: dict[str, UnitTally]
    dismissed: int = 0  # defects left out because an auditor marked them 误报
    unsure: list[UnsureListRow] = field(default_factory=list)  # 待核实 elements still open
    dismissed_rows: list[DismissedRow] = field(default_factory=list)
    settled: int = 0  # 待核实 elements an auditor settled (确认 → fail, 误报 → pass)

    @property
    def total(self) -> UnitTally:
        whole = UnitTally("合计")
        for tally in self.units.values():
            whole.guides += tally.guides
            whole.guides_with_errors += tally.guides_with_errors
            whole.defects += tally.defects
            whole.marked_fixed_but_present += tally.marked_fixed_but_present
            for source, target in (
                (tally.by_element, whole.by_element),
                (tally.passed, whole.passed),
                (tally.applicable, whole.applicable),
                (tally.unsure, whole.unsure),
            ):
                for code, n in source.items():
                    target[code] = target.get(code, 0) + n
        return whole

    def rows_by_unit(self) -> dict[str, list[DefectListRow]]:
        grouped: dict[str, list[DefectListRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.unit, []).append(row)
        return grouped

    def only(self, unit: str) -> DefectList:
        """This list cut to one unit (the workbook `report --per-unit` sends that unit)."""
        return DefectList(
            sweep=self.sweep,
            rows=[r for r in self.rows if r.unit == unit],
            units={unit: self.units[unit]} if unit in self.units else {},
            dismissed=sum(1 for r in self.dismissed_rows if r.unit == unit),
            unsure=[r for r in self.unsure if r.unit == unit],
            settled=0,
            dismissed_rows=[r for r in self.dismissed_rows if r.unit == unit],
        )

    def unsure_by_unit(self) -> dict[str, list[UnsureListRow]]:
        grouped: dict[str, list[UnsureListRow]] = {}
        for row in self.unsure:
            grouped.setdefault(row.unit, []).append(row)
        return grouped

    def rows_by_guide(self) -> dict[str, list[DefectListRow]]:
        grouped: dict[str, list[DefectListRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.guide_id, []).append(row)
        return grouped


def review_cells(d: StoredDefect) -> tuple[str, str, str]:
    """(状态, 复核意见, 复核记录) shown for a defect that is on the list."""
    if not d.review_status:
        return "", "", ""
    when = local_time(d.reviewed_at)
    note = f"{d.reviewer or ''} {when} {d.review_status}".strip()
    if d.marked_fixed_but_present:
        # The unit said it fixed this; the sweep after still finds it: not pre-filled 已整改
        # again, and flagged in every view.
        return "", "", f"{MARKED_FIXED_BUT_PRESENT}（{note}，第{d.review_sweep}次清单）"
    if d.review_status == "误报":
        # Still listed although marked 误报: the guide changed since, so it is judged afresh and
        # the old decision is shown only as history.
        return "", "", note + "（指南已变更，请重新复核）"
    return d.review_status, d.review_comment or "", note


def _item_code(guide: StoredGuide) -> str:
    r = guide.record
    return r.handling_item_code or r.implementation_code or r.basic_code or r.id


def collect(
    store: Store,
    sweep: Sweep,
    on_guide: Callable[[], None] | None = None,
    with_rows: bool = True,
) -> DefectList:
    """Read one sweep back into defect-list rows and per-unit tallies (tallies only when
    ``with_rows`` is false: a trend over past sweeps needs no rows)."""
    sweeps = {s.id: s for s in store.list_sweeps()}
    rows: list[DefectListRow] = []
    unsure_rows: list[UnsureListRow] = []
    dismissed_rows: list[DismissedRow] = []
    units: dict[str, UnitTally] = {}
    dismissed = settled = 0
    for guide in store.guides(sweep.id):
        unit = unit_of(guide.record)
        tally = units.setdefault(unit, UnitTally(unit))
        result = result_of(guide)
        tally.guides += 1
        if result.errors:
            tally.guides_with_errors += 1
        verdicts = result.elements
        for code, verdict in verdicts.items():
            if verdict == Verdict.NA:
                continue
            if verdict == Verdict.INCOMPLETE:
                tally.unsure[code] = tally.unsure.get(code, 0) + 1
                continue
            tally.applicable[code] = tally.applicable.get(code, 0) + 1
            if verdict == Verdict.PASS:
                tally.passed[code] = tally.passed.get(code, 0) + 1
        item_code = _item_code(guide)
        settled += len({u.element for u in guide.unsure if u.settled})
        if with_rows:
            unsure_rows.extend(_unsure_rows(guide, unit, item_code, verdicts))
        for d in guide.defects:
            if d.dismissed:
                dismissed += 1
                if with_rows:
                    dismissed_rows.append(DismissedRow(
                        d.defect_id, unit, cap(guide.record.item_name, 500), item_code, element_label(d.element),
                        cap(d.message, 500), cap(d.evidence), d.reviewer or "", local_time(d.reviewed_at),
                        cap(d.review_comment, 1000),
                    ))
                continue
            tally.defects += 1
            tally.by_element[d.element] = tally.by_element.get(d.element, 0) + 1
            tally.marked_fixed_but_present += d.marked_fixed_but_present
            if not with_rows:
                continue
            status, comment, note = review_cells(d)
            rows.append(
                DefectListRow(
                    defect_id=d.defect_id,
                    guide_id=guide.record.id,
                    unit=unit,
                    item_name=cap(guide.record.item_name, 500),
                    item_code=item_code,
                    element=d.element,
                    rule=d.rule,
                    severity=d.severity,
                    message=cap(d.message, 500),
                    evidence=cap(d.evidence),
                    suggestion=cap(d.suggestion, 500),
                    url=safe_url(guide.record.url),
                    first_seen=sweep_label(sweeps.get(d.first_seen_sweep), d.first_seen_sweep),
                    status=status,
                    comment=cap(comment, 1000),
                    review_note=note,
                )
            )
        if on_guide:
            on_guide()
    rows.sort(key=_row_order)
    unsure_rows.sort(key=lambda r: (r.unit, r.item_name, r.item_code, _element_order(r.element)))
    return DefectList(sweep=sweep, rows=rows, units=dict(sorted(units.items())), dismissed=dismissed,
                      unsure=unsure_rows, settled=settled, dismissed_rows=dismissed_rows)


def _unsure_rows(guide: StoredGuide, unit: str, item_code: str, verdicts: dict[str, str]) -> list[UnsureListRow]:
    """One row per element still 待核实, its reasons joined (a row per element is what an
    auditor settles)."""
    by_element: dict[str, list[StoredUnsure]] = {}
    for u in guide.unsure:
        if verdicts.get(u.element) == Verdict.INCOMPLETE:
            by_element.setdefault(u.element, []).append(u)
    out = []
    for element, items in by_element.items():
        first = items[0]
        reasons = list(dict.fromkeys(u.reason for u in items))
        evidence = list(dict.fromkeys(u.evidence for u in items if u.evidence))
        note = ""
        if first.review_status:
            note = f"{first.reviewer or ''} {local_time(first.reviewed_at)} {first.review_status}".strip()
            if not first.settled:
                note += "（指南已变更，请重新复核）"
        out.append(
            UnsureListRow(
                item_id=first.item_id, guide_id=guide.record.id, unit=unit,
                item_name=cap(guide.record.item_name, 500), item_code=item_code, element=element,
                reasons=cap("；".join(reasons), 1000), evidence=cap("\n".join(evidence)),
                url=safe_url(guide.record.url), status="", comment="", review_note=note,
            )
        )
    return out


def _element_order(code: str) -> int:
    codes = list(ALL_CODES)
    return codes.index(code) if code in codes else len(codes)


def _row_order(row: DefectListRow) -> tuple:
    return (row.unit, row.item_name, row.item_code, _element_order(row.element), row.rule, row.defect_id)


def element_columns(rows: Iterable[DefectListRow] = ()) -> list[str]:
    """The 13 E-elements, then any code/cross-field codes that occur."""
    extra = sorted({r.element for r in rows if r.element not in ELEMENTS}, key=_element_order)
    return [*ELEMENTS, *extra]
