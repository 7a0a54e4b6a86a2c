"""Properties that must hold for any figures: points stay within [floor, full], a not-applicable
indicator changes no other unit's score, and rescaling never lifts the base above the scheme's full."""

from __future__ import annotations

from decimal import Decimal

from guideaudit.schemes import load_scheme, score
from guideaudit.schemes.loader import load_scheme_file
from guideaudit.schemes.rules import KINDS, rule_inputs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCHEMES = {sid: load_scheme(sid) for sid in (
    "licheng-2017", "yangjiang-2021-departments", "yangjiang-2021-counties", "anda-2020",
    "baotou-2023", "qingpu-2024-agencies", "qingpu-2024-streets",
)}
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
rates = st.decimals(min_value=0, max_value=1, places=4).map(str)


def _value(draw, leaf, kind: str) -> tuple[str, str]:
    if kind in ("rate", "number"):
        if leaf.unit == "次":
            return str(draw(st.decimals(min_value=0, max_value=6, places=2))), ""
        return draw(rates), ""
    if kind in ("count", "multi_count"):
        return str(draw(st.integers(min_value=0, max_value=300))), ""
    if kind in ("bool", "multi_bool"):
        return draw(st.sampled_from(["是", "否"])), ""
    if kind == "points":
        full = leaf.full if leaf.full is not None else Decimal(20)
        return str(draw(st.decimals(min_value=0, max_value=full, places=2))), "评分理由"
    raise AssertionError(kind)


@st.composite
def unit_figures(draw, scheme, unit: str, na_allowed: bool = True) -> list[dict]:
    """{unit, indicator, value, note} for every input of every leaf; some leaves not applicable."""
    rows = []
    for leaf in scheme.leaves():
        kind = KINDS[leaf.rule.kind].figure
        if na_allowed and not leaf.penalty and draw(st.integers(0, 9)) == 0:
            rows.append({leaf.source.input: ("不适用", "")})
            continue
        names = rule_inputs(leaf.rule) or [leaf.source.input]
        rows.append({name: _value(draw, leaf, kind) for name in names})
    for block in (scheme.bonus, scheme.penalty):
        for item in block.items if block else []:
            if draw(st.booleans()):
                cap = item.full if item.full is not None else Decimal(10)
                rows.append({item.source.input: (str(draw(st.decimals(min_value=0, max_value=cap, places=1))), "理由")})
    merged = {}
    for r in rows:
        merged.update(r)
    return merged


def _check_bounds(scheme, result) -> None:
    leaves = {leaf.id: leaf for leaf in scheme.leaves()}
    for unit in result.units:
        for item in unit.indicators:
            leaf = leaves[item.id]
            if leaf.penalty:
                assert item.points >= 0
                continue
            assert leaf.floor <= item.points <= item.full, (item.id, item.points, item.full)
        for group in unit.subtotals:
            assert 0 <= group.points <= group.full, (group.id, group.points, group.full)
        assert 0 <= unit.base <= scheme.full


@FAST
@given(st.data())
def test_points_stay_within_floor_and_full(data) -> None:
    sid = data.draw(st.sampled_from(sorted(SCHEMES)))
    scheme = SCHEMES[sid]
    figures = {f"单位{i}": data.draw(unit_figures(scheme, f"单位{i}")) for i in range(2)}
    if scheme.units:
        names = next(iter(scheme.units.values()))
        figures = {names[i]: f for i, f in enumerate(figures.values())}
    # leaves that read a figure from the guides also read it from the metrics file here
    result = score(scheme, figures, allow_missing=True)
    _check_bounds(scheme, result)


@FAST
@given(st.data())
def test_not_applicable_changes_no_other_units_score(data) -> None:
    scheme = SCHEMES[data.draw(st.sampled_from(["yangjiang-2021-departments", "qingpu-2024-agencies", "licheng-2017"]))]
    names = next(iter(scheme.units.values())) if scheme.units else ["甲", "乙"]
    first = data.draw(unit_figures(scheme, names[0], na_allowed=False))
    second = data.draw(unit_figures(scheme, names[1], na_allowed=False))
    before = score(scheme, {names[0]: first, names[1]: second}).unit(names[0])
    leaf = data.draw(st.sampled_from([leaf for leaf in scheme.leaves() if not leaf.penalty]))
    second_na = {k: v for k, v in second.items() if k not in (rule_inputs(leaf.rule) or [leaf.source.input])}
    second_na[leaf.source.input] = ("不适用", "")
    after = score(scheme, {names[0]: first, names[1]: second_na})
    mine = after.unit(names[0])
    assert mine.exact_total == before.exact_total
    assert [(i.id, i.points) for i in mine.indicators] == [(i.id, i.points) for i in before.indicators]
    assert not next(i for i in after.unit(names[1]).indicators if i.id == leaf.id).applicable


@FAST
@given(st.data())
def test_rescaling_keeps_the_full_as_the_maximum(data) -> None:
    scheme = SCHEMES[data.draw(st.sampled_from(["yangjiang-2021-counties", "qingpu-2024-streets", "anda-2020"]))]
    leaves = [leaf for leaf in scheme.leaves() if not leaf.penalty]
    na = set(data.draw(st.lists(st.sampled_from([leaf.id for leaf in leaves]), max_size=len(leaves) - 1)))
    figures = {}
    for leaf in leaves:
        if leaf.id in na:
            figures[leaf.source.input] = ("不适用", "")
        elif leaf.rule.kind == "manual":
            figures[leaf.source.input] = (str(leaf.full), "满分")
        elif leaf.rule.kind == "veto":
            for name in rule_inputs(leaf.rule):
                figures[name] = "否"
        elif leaf.unit == "次":
            figures[leaf.source.input] = "0"
        else:
            figures[leaf.source.input] = "1"
    name = next(iter(scheme.units.values()))[0] if scheme.units else "甲"
    unit = score(scheme, {name: figures}).unit(name)
    # everything applicable at its full points → exactly the scheme's full, never more
    assert unit.total == Decimal("100.00")
    assert unit.base <= scheme.full


@FAST
@given(
    per=st.decimals(min_value="0.01", max_value=5, places=2),
    each=st.decimals(min_value=-10, max_value=10, places=1),
    origin=st.decimals(min_value=0, max_value=1, places=2),
    start=st.decimals(min_value=-20, max_value=40, places=1),
    whole=st.booleans(),
    value=st.decimals(min_value=0, max_value=1, places=3),
)
def test_steps_rule_is_clamped_for_any_parameters(tmp_path_factory, per, each, origin, start, whole, value) -> None:
    path = tmp_path_factory.mktemp("s") / "steps.yaml"
    path.write_text(
        "id: t\nname: t\nversion: '1'\nunit_types: [单位]\nindicators:\n"
        f"  - {{id: a, name: a, full: 100, unit: '%', rule: {{kind: steps, per: {per}, points: {each}, "
        f"from: {origin}, start: {start}, whole_steps: {str(whole).lower()}}}}}\n",
        encoding="utf-8",
    )
    scheme = load_scheme_file(path)
    item = score(scheme, {"甲": {"a": str(value)}}).unit("甲").indicators[0]
    assert 0 <= item.points <= 100
