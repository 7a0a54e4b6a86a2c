"""Comparing two sweeps (以评促改): which defects are new, fixed or persisting, per unit and
overall, with 整改率, guides added / removed / changed, and score and rank changes.

Everything comes from what the two sweeps stored, reviews applied (a 误报 is no defect in either).
A defect is *fixed* when its guide is still published and the later sweep no longer finds it on
an element it could judge; a defect whose guide is gone, or whose element became 待核实, is not
counted fixed (it is reported as such, so 整改率 never rises for a reason that is not a fix).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from guideaudit.reports.checkruns import check_difference, check_identity
from guideaudit.reports.defects import element_label

from guideaudit.store import Store, StoredGuide, Sweep
from guideaudit.units import unit_of
from guideaudit.vocab import Verdict

CHANGES = ("new", "fixed", "persisting")
CHANGE_LABELS = {"new": "新增", "fixed": "已整改", "persisting": "仍存在"}


@dataclass
class DefectChange:
    defect_id: str
    guide_id: str
    unit: str
    item_name: str
    rule: str
    element: str
    severity: str
    change: str  # new | fixed | persisting
    marked_fixed_but_present: bool
    message: str
    evidence_from: str  # the earlier sweep's evidence ("" for a new defect)
    evidence_to: str  # the later sweep's ("" for a fixed one)
    url: str | None = None

    def to_dict(self) -> dict:
        return {
            "defect_id": self.defect_id, "guide_id": self.guide_id, "unit": self.unit, "rule": self.rule,
            "element": self.element, "change": self.change,
            "marked_fixed_but_present": self.marked_fixed_but_present,
        }


@dataclass
class UnitChange:
    unit: str
    new: int = 0
    fixed: int = 0
    persisting: int = 0
    before: int = 0  # defects of the earlier sweep (the 整改率 denominator)
    marked_fixed_but_present: int = 0
    gone_with_guide: int = 0  # defects whose guide is no longer published
    now_unverified: int = 0  # defects whose element is 待核实 in the later sweep
    guides_added: int = 0
    guides_removed: int = 0
    guides_changed: int = 0
    score_from: float | None = None
    score_to: float | None = None
    rank_from: int | None = None
    rank_to: int | None = None

    @property
    def rectification_rate(self) -> float | None:
        return self.fixed / self.before if self.before else None

    @property
    def score_change(self) -> float | None:
        if self.score_from is None or self.score_to is None:
            return None
        return round(self.score_to - self.score_from, 2)

    @property
    def rank_change(self) -> int | None:
        """Positive: the unit moved up."""
        if self.rank_from is None or self.rank_to is None:
            return None
        return self.rank_from - self.rank_to

    def to_dict(self) -> dict:
        return {
            "unit": self.unit, "new": self.new, "fixed": self.fixed, "persisting": self.persisting,
            "rectification_rate": self.rectification_rate, "score_change": self.score_change,
            "rank_change": self.rank_change, "marked_fixed_but_present": self.marked_fixed_but_present,
            "gone_with_guide": self.gone_with_guide, "now_unverified": self.now_unverified,
            "guides_added": self.guides_added, "guides_removed": self.guides_removed,
            "guides_changed": self.guides_changed,
        }


@dataclass
class GuideChange:
    guide_id: str
    unit: str
    item_name: str
    change: str  # added | removed | changed
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (field, before, after)


@dataclass
class Comparison:
    from_sweep: Sweep
    to_sweep: Sweep
    units: dict[str, UnitChange]
    defects: list[DefectChange]
    guides: list[GuideChange]
    check_note: str = ""  # set when the two sweeps were checked differently

    @property
    def totals(self) -> UnitChange:
        whole = UnitChange("合计")
        for u in self.units.values():
            for key in ("new", "fixed", "persisting", "before", "marked_fixed_but_present", "gone_with_guide",
                        "now_unverified", "guides_added", "guides_removed", "guides_changed"):
                setattr(whole, key, getattr(whole, key) + getattr(u, key))
        return whole

    def to_dict(self) -> dict:
        t = self.totals
        return {
            "from": self.from_sweep.id,
            "to": self.to_sweep.id,
            "totals": {"new": t.new, "fixed": t.fixed, "persisting": t.persisting,
                       "rectification_rate": t.rectification_rate,
                       "marked_fixed_but_present": t.marked_fixed_but_present},
            "check_note": self.check_note,
            "units": [u.to_dict() for u in self.units.values()],
            "defects": [d.to_dict() for d in self.defects],
        }

    def summary(self) -> str:
        """One Chinese line for the end of a sweep and the top of a report."""
        return _summary_line(self.from_sweep.id, self.totals, self.check_note)


@dataclass
class ComparisonTotals:
    """A comparison's figures without its rows (compare_totals): what a sweep prints at its end."""

    from_sweep: Sweep
    to_sweep: Sweep
    totals: UnitChange
    check_note: str = ""

    def summary(self) -> str:
        return _summary_line(self.from_sweep.id, self.totals, self.check_note)


def _summary_line(from_id: int, t: UnitChange, check_note: str) -> str:
    rate = "—" if t.rectification_rate is None else f"{t.rectification_rate:.1%}"
    line = f"与第 {from_id} 次抓取相比：新增问题 {t.new}，已整改 {t.fixed}，仍存在 {t.persisting}，整改率 {rate}"
    if t.marked_fixed_but_present:
        line += f"；标记已整改但仍存在 {t.marked_fixed_but_present}"
    if check_note:
        line += f"（注意：两次抓取的{check_note}）"
    return line


_COMPARED_FIELDS = (
    "item_name", "statutory_limit", "promised_limit", "location", "hours", "consult", "complaint",
    "onsite_visits", "intermediary", "special_steps", "online_depth", "fee", "case_type",
)


def _snapshot(store: Store, sweep: Sweep, on_guide: Callable[[], None] | None) -> dict[str, tuple]:
    """guide id → (unit, item name, url, content hash, {defect id: StoredDefect}, verdicts,
    compared field values): small enough to hold two 100,000-guide sweeps."""
    out: dict[str, tuple] = {}
    for guide in store.guides(sweep.id):
        out[guide.record.id] = _summarise(guide)
        if on_guide:
            on_guide()
    return out


def _summarise(guide: StoredGuide) -> tuple:
    record = guide.record
    verdicts = guide.elements  # as checked: only "is it 待核实 now" is asked of it
    live = {d.defect_id: d for d in guide.defects if not d.dismissed}
    values = tuple(getattr(record, f) for f in _COMPARED_FIELDS)
    return unit_of(record), record.item_name or record.id, record.url, guide.content_hash, live, verdicts, values


def latest_pair(store: Store, to: int | None = None, frm: int | None = None) -> tuple[Sweep, Sweep] | None:
    """(earlier, later): --from/--to, by default the two latest complete sweeps of one scope
    (the later one's portal); None when there is no earlier sweep to compare with."""
    later = store.resolve_sweep(to)
    if later is None:
        return None
    if frm is not None:
        return store.get_sweep(frm), later
    earlier = store.complete_sweeps_before(later)
    return (earlier[-1], later) if earlier else None


def compare(
    store: Store,
    earlier: Sweep,
    later: Sweep,
    scores: Callable[[Sweep], dict[str, tuple[float, int]]] | None = None,
    on_guide: Callable[[], None] | None = None,
) -> Comparison:
    """The comparison of two sweeps. ``scores``: sweep → {unit: (total, rank)}, when wanted."""
    before = _snapshot(store, earlier, on_guide)
    after = _snapshot(store, later, on_guide)
    units: dict[str, UnitChange] = {}
    changes: list[DefectChange] = []
    guides: list[GuideChange] = []

    def unit(name: str) -> UnitChange:
        return units.setdefault(name, UnitChange(name))

    for gid, (uname, name, url, digest, live, verdicts, values) in after.items():
        old = before.get(gid)
        u = unit(uname)
        if old is None:
            u.guides_added += 1
            guides.append(GuideChange(gid, uname, name, "added"))
        elif old[3] != digest:
            u.guides_changed += 1
            diff = [(f, old[6][i] or "", values[i] or "") for i, f in enumerate(_COMPARED_FIELDS) if old[6][i] != values[i]]
            guides.append(GuideChange(gid, uname, name, "changed", diff))
        old_live = old[4] if old else {}
        for did, d in live.items():
            kind = "persisting" if did in old_live else "new"
            setattr(u, kind, getattr(u, kind) + 1)
            u.marked_fixed_but_present += d.marked_fixed_but_present
            changes.append(DefectChange(
                did, gid, uname, name, d.rule, d.element, d.severity, kind, d.marked_fixed_but_present,
                d.message, old_live[did].evidence if did in old_live else "", d.evidence, url,
            ))
        for did, d in old_live.items():
            if did in live:
                continue
            if verdicts.get(d.element) == Verdict.INCOMPLETE:
                u.now_unverified += 1
                continue
            u.fixed += 1
            changes.append(DefectChange(
                did, gid, uname, name, d.rule, d.element, d.severity, "fixed", False,
                d.message, d.evidence, "", url,
            ))
    for gid, (uname, name, _url, _digest, old_live, _v, _values) in before.items():
        u = unit(uname)
        u.before += len(old_live)
        if gid not in after:
            u.guides_removed += 1
            u.gone_with_guide += len(old_live)
            guides.append(GuideChange(gid, uname, name, "removed"))
    if scores is not None:
        for sweep, attrs in ((earlier, ("score_from", "rank_from")), (later, ("score_to", "rank_to"))):
            for name, (total, rank) in scores(sweep).items():
                u = units.get(name)
                if u is not None:
                    setattr(u, attrs[0], total)
                    setattr(u, attrs[1], rank)
    order = {c: i for i, c in enumerate(CHANGES)}
    changes.sort(key=lambda c: (c.unit, order[c.change], c.item_name, c.element, c.rule))
    note = check_difference(check_identity(store, earlier.id), check_identity(store, later.id))
    return Comparison(earlier, later, dict(sorted(units.items())), changes, guides, note)


def compare_totals(store: Store, earlier: Sweep, later: Sweep) -> ComparisonTotals:
    """The totals of compare(store, earlier, later), counted by the database (Store.change_figures)
    instead of reading every guide of both sweeps: the end of a sweep prints them, and an
    incremental re-sweep of an unchanged portal must not spend longer on this line than on the
    sweep. Only the defects the later sweep no longer has come back as rows, to be told apart as
    fixed, now 待核实 or gone with their guide, exactly as compare() does."""
    f = store.change_figures(earlier.id, later.id)
    t = UnitChange("合计", before=f["before"], persisting=f["persisting"], new=f["after"] - f["persisting"],
                   marked_fixed_but_present=f["marked_fixed"], guides_added=f["guides_added"],
                   guides_removed=f["guides_removed"], guides_changed=f["guides_changed"])
    verdicts: dict[str, dict] = {}
    for _did, gid, element, elements in f["dropped"]:
        if elements is None:
            t.gone_with_guide += 1
            continue
        if gid not in verdicts:
            verdicts[gid] = json.loads(elements)
        if verdicts[gid].get(element) == Verdict.INCOMPLETE:
            t.now_unverified += 1
        else:
            t.fixed += 1
    note = check_difference(check_identity(store, earlier.id), check_identity(store, later.id))
    return ComparisonTotals(earlier, later, t, note)


CSV_HEADERS = ("变化", "单位", "事项名称", "事项编码", "要素", "规则", "问题", "上次原文", "本次原文",
               "标记已整改但仍存在", "问题编号", "链接")


def defect_rows(c: Comparison) -> list[list]:
    return [
        [CHANGE_LABELS[d.change], d.unit, d.item_name, d.guide_id, element_label(d.element), d.rule, d.message,
         d.evidence_from, d.evidence_to, "是" if d.marked_fixed_but_present else "", d.defect_id, d.url or ""]
        for d in c.defects
    ]


UNIT_HEADERS = ("单位", "上次问题数", "新增", "已整改", "仍存在", "整改率", "标记已整改但仍存在",
                "指南已撤下", "转为待核实", "新增指南", "撤下指南", "内容变更指南", "得分变化", "排名变化")


def unit_rows(c: Comparison) -> list[list]:
    rows = []
    for u in [*c.units.values(), c.totals]:
        rate = "" if u.rectification_rate is None else round(u.rectification_rate, 4)
        rows.append([u.unit, u.before, u.new, u.fixed, u.persisting, rate, u.marked_fixed_but_present,
                     u.gone_with_guide, u.now_unverified, u.guides_added, u.guides_removed, u.guides_changed,
                     "" if u.score_change is None else u.score_change, "" if u.rank_change is None else u.rank_change])
    return rows


def as_json(c: Comparison) -> dict:
    return c.to_dict()

