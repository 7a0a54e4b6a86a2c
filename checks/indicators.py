"""Indicators computed from checked guides (办事指南准确度, 减时间, 即办程度, 减跑动, 网办深度…),
per 实施主体 or any grouping. Each says how many guides it was computed over."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from guideaudit.checks.elements import ELEMENTS
from guideaudit.checks.guide import Guide
from guideaudit.checks.result import GuideResult
from guideaudit.checks.settings import DEFAULT_SETTINGS, CheckSettings

from guideaudit.record import GuideRecord
from guideaudit.units import unit_of
from guideaudit.vocab import Verdict

ALL_GROUP = "全部"

INDICATORS: dict[str, str] = {
    "guide_accuracy": "办事指南准确度（已判定要素通过率）",
    **{f"guide_accuracy:{code}": f"办事指南准确度·{name}" for code, name in ELEMENTS.items()},
    "incomplete_elements": "待核实要素数",
    **{f"incomplete_elements:{code}": f"待核实要素数·{name}" for code, name in ELEMENTS.items()},
    "guide_defect_free_share": "无缺陷办事指南占比",
    "time_reduction_mean": "减时间：承诺时限压缩率均值",
    "time_reduction_total": "减时间：总体压缩率（1−Σ承诺/Σ法定）",
    "promised_days_mean": "平均承诺办结时限（工作日）",
    "immediate_share": "即办程度（即办件占比）",
    "visits_mean": "平均到办事现场次数",
    "zero_visit_share": "零跑动事项占比",
    "max_one_visit_share": "最多跑一次事项占比",
    "online_available_share": "网上可办率（网办深度≥Ⅱ）",
    "full_online_share": "全程网办率（网办深度Ⅳ）",
    "depth_share:I": "网办深度Ⅰ级占比",
    "depth_share:II": "网办深度Ⅱ级占比",
    "depth_share:III": "网办深度Ⅲ级占比",
    "depth_share:IV": "网办深度Ⅳ级占比",
    "express_share": "提供物流快递事项占比",
    "appointment_share": "提供预约事项占比",
    "online_payment_share": "提供网上支付事项占比",
}

GROUPINGS: dict[str, Callable[[GuideRecord], str]] = {
    "agency": unit_of,
    "item_type": lambda r: r.item_type or "（未公布事项类型）",
    "level": lambda r: r.level or "（未公布行使层级）",
    "portal": lambda r: r.portal or "（未知门户）",
}


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    label: str
    value: float | None  # a share in [0, 1] or a mean; None when it cannot be computed
    n: int  # guides it was computed over

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "label": self.label, "value": self.value, "n": self.n}


class _Acc:
    """Running sums for one group."""

    def __init__(self) -> None:
        self.guides = 0
        self.el_pass: dict[str, int] = defaultdict(int)
        self.el_app: dict[str, int] = defaultdict(int)  # judged: pass + fail
        self.el_unsure: dict[str, int] = defaultdict(int)
        self.defect_free = 0
        self.ratios: list[float] = []
        self.sum_promised = 0.0
        self.sum_statutory = 0.0
        self.promised: list[float] = []
        self.immediate = [0, 0]
        self.visits: list[int] = []
        self.depths: list[int] = []
        self.flags: dict[str, list[int]] = {"express": [0, 0], "appointment": [0, 0], "online_payment": [0, 0]}

    def add(self, record: GuideRecord, result: GuideResult, settings: CheckSettings) -> None:
        self.guides += 1
        for code, verdict in result.elements.items():
            # Accuracy is over judged elements only; 待核实 is counted beside it, never as a
            # pass or a fail.
            if verdict == Verdict.INCOMPLETE:
                self.el_unsure[code] += 1
            elif verdict != Verdict.NA:
                self.el_app[code] += 1
                self.el_pass[code] += verdict == Verdict.PASS
        self.defect_free += not result.errors
        g = Guide(record, settings)
        promised = g.workdays(g.promised) if g.promised.kind in ("value", "immediate") else None
        if promised is not None:
            self.promised.append(promised)
        statutory = g.workdays(g.statutory) if g.statutory.kind == "value" else None
        if statutory and promised is not None:
            self.ratios.append((statutory - promised) / statutory)
            self.sum_promised += promised
            self.sum_statutory += statutory
        if g.promised.kind in ("value", "immediate") or g.case_immediate is not None:
            self.immediate[1] += 1
            self.immediate[0] += g.immediate
        if g.visits is not None:
            self.visits.append(g.visits)
        if g.depth is not None:
            self.depths.append(g.depth)
        for name, value in (("express", g.express), ("appointment", g.appointment), ("online_payment", g.online_payment)):
            if value is not None:
                self.flags[name][1] += 1
                self.flags[name][0] += value

    def indicators(self) -> dict[str, Indicator]:
        out: dict[str, Indicator] = {}

        def put(name: str, value: float | None, n: int) -> None:
            out[name] = Indicator(name, INDICATORS[name], value, n)

        def share(part: int, whole: int) -> float | None:
            return part / whole if whole else None

        def mean(values: list[float] | list[int]) -> float | None:
            return sum(values) / len(values) if values else None

        applicable = sum(self.el_app.values())
        put("guide_accuracy", share(sum(self.el_pass.values()), applicable), self.guides if applicable else 0)
        for code in ELEMENTS:
            put(f"guide_accuracy:{code}", share(self.el_pass[code], self.el_app[code]), self.el_app[code])
        put("incomplete_elements", sum(self.el_unsure.values()), self.guides)
        for code in ELEMENTS:
            put(f"incomplete_elements:{code}", self.el_unsure[code], self.guides)
        put("guide_defect_free_share", share(self.defect_free, self.guides), self.guides)
        put("time_reduction_mean", mean(self.ratios), len(self.ratios))
        total = 1 - self.sum_promised / self.sum_statutory if self.sum_statutory else None
        put("time_reduction_total", total, len(self.ratios))
        put("promised_days_mean", mean(self.promised), len(self.promised))
        put("immediate_share", share(*self.immediate), self.immediate[1])
        put("visits_mean", mean(self.visits), len(self.visits))
        put("zero_visit_share", share(sum(v == 0 for v in self.visits), len(self.visits)), len(self.visits))
        put("max_one_visit_share", share(sum(v <= 1 for v in self.visits), len(self.visits)), len(self.visits))
        n = len(self.depths)
        put("online_available_share", share(sum(d >= 2 for d in self.depths), n), n)
        put("full_online_share", share(sum(d == 4 for d in self.depths), n), n)
        for level, roman in ((1, "I"), (2, "II"), (3, "III"), (4, "IV")):
            put(f"depth_share:{roman}", share(sum(d == level for d in self.depths), n), n)
        for name in ("express", "appointment", "online_payment"):
            yes, whole = self.flags[name]
            put(f"{name}_share", share(yes, whole), whole)
        return out


def compute_indicators(
    pairs: Iterable[tuple[GuideRecord, GuideResult]],
    by: str | Callable[[GuideRecord], str] = "agency",
    settings: CheckSettings | None = None,
    overall: bool = False,
) -> dict[str, dict[str, Indicator]]:
    """{group: {indicator name: Indicator}} grouped by agency, item_type, level, portal or a function.
    With overall=True the first group is "全部" (the whole set), computed in the same single pass."""
    if isinstance(by, str):
        if by not in GROUPINGS:
            raise ValueError(f"未知的分组方式：{by}（可用：{'、'.join(GROUPINGS)}）")
        key = GROUPINGS[by]
    else:
        key = by
    s = settings or DEFAULT_SETTINGS
    groups: dict[str, _Acc] = {}
    whole = _Acc()
    for record, result in pairs:
        groups.setdefault(key(record), _Acc()).add(record, result, s)
        if overall:
            whole.add(record, result, s)
    out = {ALL_GROUP: whole.indicators()} if overall else {}
    out.update((name, acc.indicators()) for name, acc in sorted(groups.items()))
    return out


def compute_overall(
    pairs: Iterable[tuple[GuideRecord, GuideResult]], settings: CheckSettings | None = None
) -> dict[str, Indicator]:
    """The indicators over the whole set (group "全部")."""
    return compute_indicators(pairs, lambda _record: ALL_GROUP, settings).get(ALL_GROUP) or _Acc().indicators()
