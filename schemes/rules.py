"""Rule kinds: each turns one unit's figure(s) into points and a one-line Chinese explanation.

Every kind is seen in the seed schemes (see docs/schemes.md). A rule declares its parameters,
which are checked when the scheme loads, and which inputs it reads. Points are clamped to
[floor, full] by the engine, so a rule never has to guard that itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from guideaudit.schemes.model import Rule, round2


class RuleParamError(ValueError):
    """A parameter of a rule is missing or has the wrong shape: (key, expected)."""

    def __init__(self, key: str, expected: str):
        super().__init__(f"{key}：{expected}")
        self.key = key
        self.expected = expected


@dataclass
class Figure:
    """One figure as read: the parsed value plus where it came from."""

    value: Decimal | bool | None
    text: str
    origin: str  # "metrics.csv 第 3 行" / "sweep 4" / "records"
    source: str  # "metrics file" / "sweep N" / "records"
    note: str = ""
    percent: bool = False  # written as "85%"
    not_applicable: bool = False
    guide_indicator: str | None = None


@dataclass
class Outcome:
    points: Decimal
    explanation: str
    value: Any


class FigureTypeError(ValueError):
    """A figure of the wrong type for its rule: names where it came from and what was expected."""


# ---------- formatting ----------


def fmt_num(value: Decimal | float | int) -> str:
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    text = format(round2(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def fmt_value(value: Any, unit: str) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无数据"
    if unit == "%":
        return f"{fmt_num(value * 100)}%"
    return f"{fmt_num(value)}{unit}"


# ---------- parameter parsing ----------


def _dec(params: dict, key: str, *, required: bool = True, default: Any = None, positive: bool = False) -> Decimal | None:
    if key not in params or params[key] is None:
        if required:
            raise RuleParamError(key, "缺少此参数（应为数字）")
        return default
    raw = params[key]
    try:
        if isinstance(raw, bool):
            raise InvalidOperation
        if isinstance(raw, str) and raw.strip().endswith("%"):
            value = Decimal(raw.strip()[:-1]) / 100
        elif isinstance(raw, str) and "/" in raw:
            frac = Fraction(raw.strip())
            value = Decimal(frac.numerator) / Decimal(frac.denominator)
        else:
            value = Decimal(str(raw))
    except (InvalidOperation, ValueError, ZeroDivisionError):
        raise RuleParamError(key, f"应为数字（可写 0.6、\"60%\" 或 \"1/3\"），实际为 {raw!r}") from None
    if positive and value <= 0:
        raise RuleParamError(key, f"应为正数，实际为 {raw!r}")
    return value


def _bool(params: dict, key: str, default: bool) -> bool:
    raw = params.get(key, default)
    if not isinstance(raw, bool):
        raise RuleParamError(key, f"应为 true 或 false，实际为 {raw!r}")
    return raw


def _str(params: dict, key: str, default: str | None = None) -> str:
    raw = params.get(key, default)
    if raw is None:
        raise RuleParamError(key, "缺少此参数（应为文字）")
    return str(raw)


# ---------- rule kinds ----------


@dataclass
class Kind:
    name: str
    label: str  # Chinese, for docs and `schemes show`
    params: tuple[str, ...]  # allowed parameter keys
    figure: str  # rate | number | count | bool | points | multi_count | multi_bool
    check: Callable[[dict], None]
    evaluate: Callable[..., Outcome]


def _check_proportional(p: dict) -> None:
    _dec(p, "target", required=False, positive=True)


def _proportional(p, full, fig, node, ctx) -> Outcome:
    v = fig.value
    target = _dec(p, "target", required=False, positive=True)
    label = node.label or node.name
    if target is None:
        points = full * v
        return Outcome(points, f"{label} {fmt_value(v, node.unit)}，按比例得 {fmt_num(full)} × {fmt_value(v, node.unit)} = {fmt_num(points)} 分", v)
    ratio = min(Decimal(1), v / target)
    points = full * ratio
    if v >= target:
        return Outcome(points, f"{label} {fmt_value(v, node.unit)} ≥ 目标 {fmt_value(target, node.unit)}，得 {fmt_num(points)} 分", v)
    return Outcome(points, f"{label} {fmt_value(v, node.unit)} < 目标 {fmt_value(target, node.unit)}，按比例得 {fmt_num(full)} × {fmt_value(v, node.unit)}/{fmt_value(target, node.unit)} = {fmt_num(points)} 分", v)


def _steps_count(delta: Decimal, per: Decimal, whole: bool) -> Decimal:
    steps = delta / per
    if whole:  # a step counts once it is completed, in either direction
        steps = steps.to_integral_value(rounding=ROUND_DOWN)
    return steps


def _check_steps(p: dict) -> None:
    _dec(p, "per", positive=True)
    _dec(p, "points")
    for key in ("from", "start", "max", "min", "below"):
        _dec(p, key, required=False)
    _bool(p, "whole_steps", True)


def _steps(p, full, fig, node, ctx) -> Outcome:
    v = fig.value
    label = node.label or node.name
    per = _dec(p, "per")
    each = _dec(p, "points")
    origin = _dec(p, "from", required=False, default=Decimal(0))
    start = _dec(p, "start", required=False, default=Decimal(0))
    cap = _dec(p, "max", required=False, default=full)
    threshold = _dec(p, "min", required=False)
    whole = _bool(p, "whole_steps", ctx.whole_steps)
    shown = fmt_value(v, node.unit)
    if threshold is not None and v < threshold:
        below = _dec(p, "below", required=False, default=Decimal(0))
        return Outcome(below, f"{label} {shown} 低于 {fmt_value(threshold, node.unit)}，得 {fmt_num(below)} 分", v)
    steps = _steps_count(v - origin, per, whole)
    points = min(cap, start + steps * each)
    step_text = fmt_value(per, node.unit if node.unit == "%" else "")
    if each >= 0 and start == 0:
        how = f"每 {step_text} 得 {fmt_num(each)} 分"
    elif start != 0 and v < origin:
        how = f"以 {fmt_value(origin, node.unit)} 得 {fmt_num(start)} 分为基准，每少 {step_text} 扣 {fmt_num(abs(each))} 分"
    else:
        how = f"以 {fmt_value(origin, node.unit)} 得 {fmt_num(start)} 分为基准，每 {step_text} 计 {fmt_num(each)} 分"
    return Outcome(points, f"{label} {shown}，{how}，得 {fmt_num(max(points, Decimal(0)))} 分（最高 {fmt_num(cap)} 分）", v)


def _check_climb(p: dict) -> None:
    _dec(p, "min")
    _dec(p, "base")
    _dec(p, "per", positive=True)
    _dec(p, "points")
    _dec(p, "climb_from", required=False)
    _dec(p, "max", required=False)
    _bool(p, "whole_steps", True)


def _climb(p, full, fig, node, ctx) -> Outcome:
    v = fig.value
    label = node.label or node.name
    threshold = _dec(p, "min")
    base = _dec(p, "base")
    per = _dec(p, "per")
    each = _dec(p, "points")
    climb_from = _dec(p, "climb_from", required=False, default=threshold)
    cap = _dec(p, "max", required=False, default=full)
    whole = _bool(p, "whole_steps", ctx.whole_steps)
    shown = fmt_value(v, node.unit)
    if v < threshold:
        return Outcome(Decimal(0), f"{label} {shown} 低于 {fmt_value(threshold, node.unit)}，不得分", v)
    steps = max(Decimal(0), _steps_count(v - climb_from, per, whole))
    points = min(cap, base + steps * each)
    step_text = fmt_value(per, node.unit if node.unit == "%" else "")
    return Outcome(
        points,
        f"{label} {shown} ≥ {fmt_value(threshold, node.unit)} 得 {fmt_num(base)} 分，"
        f"{fmt_value(climb_from, node.unit)} 以上每提高 {step_text} 加 {fmt_num(each)} 分，得 {fmt_num(points)} 分（最高 {fmt_num(cap)} 分）",
        v,
    )


def _tiers_list(p: dict) -> list[tuple[Decimal, Decimal]]:
    raw = p.get("tiers")
    if not isinstance(raw, list) or not raw:
        raise RuleParamError("tiers", "应为非空列表，每项为 [达到的值, 得分]，如 [0.6, 50]")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise RuleParamError(f"tiers[{i}]", f"应为 [达到的值, 得分]，实际为 {item!r}")
        at = _dec({"v": item[0]}, "v")
        pts = _dec({"v": item[1]}, "v")
        out.append((at, pts))
    return sorted(out, key=lambda t: t[0], reverse=True)


def _check_tiers(p: dict) -> None:
    _tiers_list(p)
    _dec(p, "otherwise", required=False)


def _tiers(p, full, fig, node, ctx) -> Outcome:
    v = fig.value
    label = node.label or node.name
    for at, pts in _tiers_list(p):
        if v >= at:
            return Outcome(pts, f"{label} {fmt_value(v, node.unit)} ≥ {fmt_value(at, node.unit)}，得 {fmt_num(pts)} 分", v)
    lowest = _tiers_list(p)[-1][0]
    other = _dec(p, "otherwise", required=False, default=Decimal(0))
    return Outcome(other, f"{label} {fmt_value(v, node.unit)} 低于 {fmt_value(lowest, node.unit)}，得 {fmt_num(other)} 分", v)


def _check_deduct(p: dict) -> None:
    _dec(p, "each", positive=True)
    _dec(p, "max_deduction", required=False, positive=True)


def _deduct(p, full, fig, node, ctx) -> Outcome:
    n = fig.value
    each = _dec(p, "each")
    most = _dec(p, "max_deduction", required=False)
    what = p.get("what", "发现问题")
    cut = n * each
    if most is not None:
        cut = min(cut, most)
    points = full - cut
    limit = f"，最多扣 {fmt_num(most)} 分" if most is not None else ""
    return Outcome(points, f"{what} {fmt_num(n)} 次，每次扣 {fmt_num(each)} 分{limit}，得 {fmt_num(max(points, Decimal(0)))} 分", n)


def _check_fraction(p: dict) -> None:
    _dec(p, "fraction", positive=True)


def _fraction(p, full, fig, node, ctx) -> Outcome:
    n = fig.value
    frac = _dec(p, "fraction")
    what = p.get("what", "发现问题")
    points = full - n * full * frac
    return Outcome(points, f"{what} {fmt_num(n)} 次，每次扣此项分值的 {p['fraction']}，得 {fmt_num(max(points, Decimal(0)))} 分", n)


def _classes(p: dict) -> list[dict]:
    raw = p.get("classes")
    if not isinstance(raw, list) or not raw:
        raise RuleParamError("classes", "应为非空列表，每项含 input、label、each")
    for i, c in enumerate(raw):
        if not isinstance(c, dict) or "input" not in c:
            raise RuleParamError(f"classes[{i}]", "应含 input（输入名）、label、each（每次扣分）")
        _dec(c, "each")
    return raw


def _check_by_class(p: dict) -> None:
    _classes(p)


def _by_class(p, full, figs, node, ctx) -> Outcome:
    cut = Decimal(0)
    parts = []
    values = {}
    for c in _classes(p):
        n = figs[c["input"]].value
        each = _dec(c, "each")
        cut += n * each
        values[c["input"]] = n
        parts.append(f"{c.get('label', c['input'])} {fmt_num(n)} 次×{fmt_num(each)}")
    points = full - cut
    return Outcome(points, f"{'；'.join(parts)}，共扣 {fmt_num(cut)} 分，得 {fmt_num(max(points, Decimal(0)))} 分", values)


def _check_yes_no(p: dict) -> None:
    _dec(p, "yes", required=False)
    _dec(p, "no", required=False)


def _yes_no(p, full, fig, node, ctx) -> Outcome:
    yes = _dec(p, "yes", required=False, default=full)
    no = _dec(p, "no", required=False, default=Decimal(0))
    label = node.label or node.name
    points = yes if fig.value else no
    return Outcome(points, f"{label}：{'是' if fig.value else '否'}，得 {fmt_num(points)} 分", fig.value)


def _conditions(p: dict) -> list[dict]:
    raw = p.get("conditions")
    if not isinstance(raw, list) or not raw:
        raise RuleParamError("conditions", "应为非空列表，每项含 input、label")
    for i, c in enumerate(raw):
        if not isinstance(c, dict) or "input" not in c:
            raise RuleParamError(f"conditions[{i}]", "应含 input（输入名，是/否）和 label")
    return raw


def _check_veto(p: dict) -> None:
    _conditions(p)


def _veto(p, full, figs, node, ctx) -> Outcome:
    hit = [c.get("label", c["input"]) for c in _conditions(p) if figs[c["input"]].value]
    values = {c["input"]: figs[c["input"]].value for c in _conditions(p)}
    if hit:
        return Outcome(Decimal(0), f"存在{'、'.join(hit)}，不得分", values)
    return Outcome(full, f"无不得分情形，得 {fmt_num(full)} 分", values)


def _manual(p, full, fig, node, ctx) -> Outcome:
    reason = fig.note.strip()
    return Outcome(fig.value, f"评分人给分 {fmt_num(fig.value)} 分：{reason or '（未写理由）'}", fig.value)


def _check_count(p: dict) -> None:
    _dec(p, "each", positive=True)


def _count(p, full, fig, node, ctx) -> Outcome:
    n = fig.value
    each = _dec(p, "each")
    amount = n * each
    what = p.get("what", "")
    return Outcome(amount, f"{what}{fmt_num(n)} 次，每次 {fmt_num(each)} 分，计 {fmt_num(amount)} 分", n)


def _nothing(p: dict) -> None:
    return None


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("proportional", "按比例：满分 × 比率（可设目标值）", ("target",), "rate", _check_proportional, _proportional),
        Kind("steps", "按步进：每 N 得/扣 X 分，封顶保底", ("from", "start", "per", "points", "max", "min", "below", "whole_steps"), "number", _check_steps, _steps),
        Kind("threshold_climb", "门槛加爬升：低于门槛不得分，达到得基础分，再每提高 N 加 X 分", ("min", "base", "climb_from", "per", "points", "max", "whole_steps"), "number", _check_climb, _climb),
        Kind("tiers", "分档：达到某值得某分", ("tiers", "otherwise"), "number", _check_tiers, _tiers),
        Kind("deduct_per_count", "按次扣分：满分减 每次扣分 × 次数，扣完为止", ("each", "max_deduction", "what"), "count", _check_deduct, _deduct),
        Kind("deduct_fraction", "按次扣分值的几分之几", ("fraction", "what"), "count", _check_fraction, _fraction),
        Kind("deduct_by_class", "分类按次扣分（如修复时长分档）", ("classes",), "multi_count", _check_by_class, _by_class),
        Kind("yes_no", "是/否", ("yes", "no"), "bool", _check_yes_no, _yes_no),
        Kind("veto", "否决项：任一情形为“是”则不得分", ("conditions",), "multi_bool", _check_veto, _veto),
        Kind("manual", "评分人直接给分（须写理由）", ("reason_required",), "points", _nothing, _manual),
        Kind("count", "按次计分（加分项/减分项）", ("each", "what"), "count", _check_count, _count),
    )
}


def rule_inputs(rule: Rule) -> list[str]:
    """Inputs a multi-input rule reads (single-input rules read the node's own source)."""
    if rule.kind == "deduct_by_class":
        return [str(c["input"]) for c in rule.params["classes"]]
    if rule.kind == "veto":
        return [str(c["input"]) for c in rule.params["conditions"]]
    return []
