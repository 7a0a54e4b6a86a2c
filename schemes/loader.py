"""Read a scheme YAML file into the model, validating every key with its line number.

The YAML is loaded with a loader that keeps the line of every mapping and key, so an error
names the file, the line, the indicator and what was expected.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any

import yaml
from guideaudit.schemes.model import (
    Condition,
    ExtraBlock,
    ExtraItem,
    GradeBand,
    Grades,
    Node,
    Override,
    Rule,
    Scheme,
    Source,
    Weighted,
)
from guideaudit.schemes.rules import KINDS, RuleParamError, rule_inputs

SCHEME_DIR = Path(__file__).resolve().parent
TOLERANCE = Decimal("1e-20")  # shares like 20/13 are not exact in any finite precision


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


class SchemeError(ValueError):
    """A scheme file that breaks the format. str() is the Chinese message shown to the user."""

    def __init__(self, path: str, line: int | None, indicator: str | None, message: str):
        where = f"{path}:{line}" if line else path
        who = f"指标 {indicator}：" if indicator else ""
        super().__init__(f"{where}：{who}{message}")
        self.path, self.line, self.indicator, self.message = path, line, indicator, message


class LDict(dict):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int | None = None
    key_lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)
    out = LDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise SchemeError(loader.name, key_node.start_mark.line + 1, None, f"键 {key!r} 重复出现")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise SchemeError(str(path), None, None, f"不是 UTF-8 编码（第 {err.start} 字节）；请另存为 UTF-8") from None
    except OSError as err:
        raise SchemeError(str(path), None, None, f"无法读取（{err.strerror}）") from None
    loader = _Loader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else None
        raise SchemeError(str(path), line, None, f"YAML 语法错误：{err.problem}") from None
    except RecursionError:
        raise SchemeError(str(path), None, None, "嵌套层次过深，不是方案文件") from None
    finally:
        loader.dispose()


class _Reader:
    """Validation helpers bound to one file."""

    def __init__(self, path: str):
        self.path = path

    def fail(self, mapping: Any, key: str | None, indicator: str | None, message: str):
        line = None
        if isinstance(mapping, LDict):
            line = mapping.key_lines.get(key, mapping.line) if key else mapping.line
        raise SchemeError(self.path, line, indicator, message)

    def allowed(self, mapping: LDict, keys: set[str], indicator: str | None, what: str) -> None:
        for key in mapping:
            if key not in keys:
                self.fail(mapping, key, indicator, f"{what}中不认识的键 {key!r}；可用的键：{'、'.join(sorted(keys))}")

    def text(self, mapping: LDict, key: str, indicator: str | None, *, required: bool = True, default: str = "") -> str:
        if key not in mapping or mapping[key] is None:
            if required:
                self.fail(mapping, None, indicator, f"缺少 {key}（应为文字）")
            return default
        value = mapping[key]
        if isinstance(value, bool | list | dict):
            self.fail(mapping, key, indicator, f"{key} 应为文字，实际为 {value!r}")
        return str(value)

    def number(self, mapping: LDict, key: str, indicator: str | None, *, required: bool = False, default: Decimal | None = None, min_value: Decimal | None = None) -> Decimal | None:
        if key not in mapping or mapping[key] is None:
            if required:
                self.fail(mapping, None, indicator, f"缺少 {key}（应为数字）")
            return default
        raw = mapping[key]
        try:
            if isinstance(raw, bool):
                raise InvalidOperation
            if isinstance(raw, str) and raw.strip().endswith("%"):
                value = Decimal(raw.strip()[:-1]) / 100
            else:
                value = Decimal(str(raw))
        except InvalidOperation:
            self.fail(mapping, key, indicator, f"{key} 应为数字，实际为 {raw!r}")
        if min_value is not None and value < min_value:
            self.fail(mapping, key, indicator, f"{key} 应不小于 {min_value}，实际为 {raw!r}")
        return value

    def strings(self, mapping: LDict, key: str, indicator: str | None) -> tuple[str, ...]:
        raw = mapping.get(key)
        if raw is None:
            return ()
        if isinstance(raw, str):
            return (raw,)
        if not isinstance(raw, list) or not all(isinstance(x, str | int) for x in raw):
            self.fail(mapping, key, indicator, f"{key} 应为文字或文字列表，实际为 {raw!r}")
        return tuple(str(x) for x in raw)


NODE_KEYS = {
    "id", "name", "full", "weight", "share", "rule", "source", "children", "aggregate", "cap",
    "floor", "penalty", "applies_when", "applies_to", "unit", "label", "note", "seq", "lead",
    "points_note", "method_note", "deadline",
}
SCHEME_KEYS = {
    "id", "name", "version", "source", "full", "unit_types", "units", "indicators", "aggregate",
    "not_applicable", "bonus", "penalty", "grades", "grade_overrides", "periods", "methods",
    "conditions", "settings", "notes", "total_floor",
}


def _rule(r: _Reader, raw: Any, indicator: str, holder: LDict) -> Rule:
    if not isinstance(raw, LDict):
        r.fail(holder, "rule", indicator, f"rule 应为映射（含 kind），实际为 {raw!r}")
    kind = raw.get("kind")
    if kind not in KINDS:
        r.fail(raw, "kind" if "kind" in raw else None, indicator, f"rule.kind 应为 {'、'.join(KINDS)} 之一，实际为 {kind!r}")
    spec = KINDS[kind]
    params = {k: v for k, v in raw.items() if k != "kind"}
    for key in params:
        if key not in spec.params:
            r.fail(raw, key, indicator, f"规则 {kind} 不认识参数 {key!r}；可用参数：{'、'.join(spec.params) or '无'}")
    try:
        spec.check(params)
    except RuleParamError as err:
        top = err.key.split("[")[0]
        r.fail(raw, top if top in raw else None, indicator, f"规则 {kind} 的参数 {err.key} {err.expected}")
    return Rule(kind, params, raw.line)


def _source(r: _Reader, raw: Any, node_id: str, holder: LDict) -> Source:
    if raw is None:
        return Source(input=node_id)
    if not isinstance(raw, LDict):
        r.fail(holder, "source", node_id, f"source 应为映射（input: 名称 或 guide: 指南指标名），实际为 {raw!r}")
    r.allowed(raw, {"input", "guide", "when_no_guides"}, node_id, "source ")
    guide = r.strings(raw, "guide", node_id)
    when = r.text(raw, "when_no_guides", node_id, required=False, default="missing")
    if when not in ("missing", "not_applicable"):
        r.fail(raw, "when_no_guides", node_id, f"when_no_guides 应为 missing 或 not_applicable，实际为 {when!r}")
    inp = r.text(raw, "input", node_id, required=False, default="") or node_id
    return Source(input=inp, guide=guide, when_no_guides=when)


def _node(r: _Reader, raw: Any, seen: set[str], scheme_full: Decimal, conditions: set[str], unit_types: list[str], whole_default: bool) -> Node:
    if not isinstance(raw, LDict):
        raise SchemeError(r.path, None, None, f"指标应为映射（含 id、name），实际为 {raw!r}")
    ident = raw.get("id")
    if ident is None or isinstance(ident, bool | list | dict):
        r.fail(raw, None, None, "指标缺少 id（应为原文编号，如 \"13\"、\"E1-1\"）")
    ident = str(ident)
    r.allowed(raw, NODE_KEYS, ident, "指标")
    if ident in seen:
        r.fail(raw, "id", ident, "id 重复：每个指标的 id 在方案内必须唯一")
    seen.add(ident)
    name = r.text(raw, "name", ident)
    full = r.number(raw, "full", ident, min_value=Decimal(0))
    weight = r.number(raw, "weight", ident, min_value=Decimal(0))
    if weight is not None:
        if full is not None:
            r.fail(raw, "weight", ident, "full 与 weight 只能写一个（weight 为占总分的百分比）")
        full = weight * scheme_full
    node = Node(id=ident, name=name, line=raw.line, full=full)
    if weight is not None:
        node.meta["weight"] = str(raw["weight"])
    node.share = r.number(raw, "share", ident, default=Decimal(1), min_value=Decimal(0))
    node.floor = r.number(raw, "floor", ident, default=Decimal(0))
    node.unit = r.text(raw, "unit", ident, required=False)
    node.label = r.text(raw, "label", ident, required=False)
    node.note = r.text(raw, "note", ident, required=False)
    for key in ("seq", "lead", "points_note", "method_note", "deadline"):
        if key in raw:
            node.meta[key] = raw[key]
    node.cap = bool(raw.get("cap", False))
    node.penalty = bool(raw.get("penalty", False))
    node.aggregate = r.text(raw, "aggregate", ident, required=False, default="sum")
    if node.aggregate not in ("sum", "mean_scaled"):
        r.fail(raw, "aggregate", ident, f"aggregate 应为 sum 或 mean_scaled，实际为 {node.aggregate!r}")
    node.applies_when = r.text(raw, "applies_when", ident, required=False) or None
    if node.applies_when and node.applies_when not in conditions:
        r.fail(raw, "applies_when", ident, f"applies_when 引用了未声明的条件 {node.applies_when!r}；已声明：{'、'.join(sorted(conditions)) or '无'}")
    node.applies_to = r.strings(raw, "applies_to", ident)
    for t in node.applies_to:
        if t not in unit_types:
            r.fail(raw, "applies_to", ident, f"applies_to 中的单位类型 {t!r} 不在 unit_types（{'、'.join(unit_types)}）中")
    children = raw.get("children")
    if children is not None:
        if not isinstance(children, list) or not children:
            r.fail(raw, "children", ident, "children 应为非空的指标列表")
        if "rule" in raw:
            r.fail(raw, "rule", ident, "有 children 的分组不能再写 rule（规则只写在末级指标上）")
        node.children = [_node(r, c, seen, scheme_full, conditions, unit_types, whole_default) for c in children]
    else:
        if "rule" not in raw:
            r.fail(raw, None, ident, "末级指标缺少 rule（计分规则）")
        node.rule = _rule(r, raw["rule"], ident, raw)
        node.source = _source(r, raw.get("source"), ident, raw)
        spec = KINDS[node.rule.kind]
        if node.source.guide and spec.figure not in ("rate", "number"):
            r.fail(raw, "source", ident, f"指南指标只能配合数值类规则（proportional、steps、threshold_climb、tiers），此处规则为 {node.rule.kind}")
        node.rule.params.setdefault("whole_steps", whole_default) if node.rule.kind in ("steps", "threshold_climb") else None
    return node


def _bottom_up(node: Node) -> Decimal | None:
    """A group without full takes the sum of its children when they all have one."""
    if node.is_leaf:
        return node.full
    fulls = [_bottom_up(c) for c in node.children if not c.penalty]
    if node.full is None and node.aggregate == "sum" and all(f is not None for f in fulls):
        node.full = sum(fulls, Decimal(0))
    return node.full


def _resolve_fulls(r: _Reader, node: Node, holder_full: Decimal | None) -> None:
    """Fill fulls given by share and check that children add up to their group."""
    if node.is_leaf:
        if node.full is None and not node.penalty:
            raise SchemeError(r.path, node.line, node.id, "缺少 full（满分）或 weight（权重），且上级分组也没有可分摊的满分")
        return
    base = [c for c in node.children if not c.penalty]
    missing = [c for c in base if c.full is None]
    if missing:
        if node.full is None:
            raise SchemeError(r.path, node.line, node.id, "子指标没有写满分时，分组必须写 full 以便按 share 分摊")
        given = sum((c.full for c in base if c.full is not None), Decimal(0))
        total_share = sum((c.share for c in missing), Decimal(0))
        if total_share == 0:
            raise SchemeError(r.path, node.line, node.id, "按 share 分摊满分时 share 之和不能为 0")
        for c in missing:
            c.full = (node.full - given) * c.share / total_share
    for c in node.children:
        _resolve_fulls(r, c, c.full)
    if node.aggregate == "mean_scaled":
        return
    total = sum((c.full for c in base), Decimal(0))
    if node.full is None:
        node.full = total
    elif abs(total - node.full) > TOLERANCE and not (node.cap and total > node.full):
        raise SchemeError(
            r.path, node.line, node.id,
            f"子指标满分之和为 {_n(total)}，与分组满分 {_n(node.full)} 不符（若原文如此且封顶，请写 cap: true）",
        )


def _weighted(r: _Reader, raw: Any, holder: LDict, key: str) -> list[Weighted]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        r.fail(holder, key, None, f"{key} 应为列表，每项含 id 与 weight")
    out = []
    for item in raw:
        if not isinstance(item, LDict):
            r.fail(holder, key, None, f"{key} 的每项应为映射（id、weight），实际为 {item!r}")
        r.allowed(item, {"id", "weight", "aliases"}, None, f"{key} ")
        out.append(Weighted(r.text(item, "id", None), r.number(item, "weight", None, required=True, min_value=Decimal(0)), r.strings(item, "aliases", None)))
    total = sum((w.weight for w in out), Decimal(0))
    if total != 1:
        r.fail(holder, key, None, f"{key} 的权重之和应为 1（如 40% + 60%），实际为 {_n(total)}")
    return out


def _extra(r: _Reader, raw: Any, holder: LDict, key: str, seen: set[str], unit_types: list[str]) -> ExtraBlock | None:
    if raw is None:
        return None
    if not isinstance(raw, LDict):
        r.fail(holder, key, None, f"{key} 应为映射（cap、items）")
    r.allowed(raw, {"cap", "items", "note"}, None, f"{key} ")
    cap = r.number(raw, "cap", None, min_value=Decimal(0))
    items = []
    for item in raw.get("items") or []:
        if not isinstance(item, LDict):
            r.fail(raw, "items", None, f"{key}.items 的每项应为映射")
        ident = str(item.get("id", ""))
        if not ident:
            r.fail(item, None, None, f"{key} 项缺少 id")
        if ident in seen:
            r.fail(item, "id", ident, "id 重复：每个指标的 id 在方案内必须唯一")
        seen.add(ident)
        r.allowed(item, {"id", "name", "full", "rule", "source", "note", "applies_to"}, ident, f"{key} 项")
        rule = _rule(r, item.get("rule"), ident, item)
        if KINDS[rule.kind].figure not in ("points", "count", "bool"):
            r.fail(item, "rule", ident, f"加分项/减分项的规则应为 manual、count 或 yes_no，实际为 {rule.kind}")
        items.append(ExtraItem(
            id=ident, name=r.text(item, "name", ident), rule=rule,
            full=r.number(item, "full", ident, min_value=Decimal(0)),
            source=_source(r, item.get("source"), ident, item), line=item.line,
            note=r.text(item, "note", ident, required=False),
            applies_to=r.strings(item, "applies_to", ident),
        ))
        for t in items[-1].applies_to:
            if t not in unit_types:
                r.fail(item, "applies_to", ident, f"applies_to 中的单位类型 {t!r} 不在 unit_types（{'、'.join(unit_types)}）中")
    return ExtraBlock(cap=cap, items=items)


def _grades(r: _Reader, raw: Any, holder: LDict) -> Grades | None:
    if raw is None:
        return None
    if not isinstance(raw, LDict):
        r.fail(holder, "grades", None, "grades 应为映射（by、bands、otherwise）")
    r.allowed(raw, {"by", "bands", "otherwise", "note"}, None, "grades ")
    by = r.text(raw, "by", None)
    if by not in ("thresholds", "quota"):
        r.fail(raw, "by", None, f"grades.by 应为 thresholds（按分数线）或 quota（按名次比例），实际为 {by!r}")
    bands = []
    for band in raw.get("bands") or []:
        if not isinstance(band, LDict):
            r.fail(raw, "bands", None, "grades.bands 的每项应为映射（grade 与 min 或 share）")
        key = "min" if by == "thresholds" else "share"
        r.allowed(band, {"grade", key}, None, "grades.bands 项")
        value = r.number(band, key, None, required=True, min_value=Decimal(0))
        bands.append(GradeBand(grade=r.text(band, "grade", None), **{key: value}))
    if not bands:
        r.fail(raw, None, None, "grades.bands 不能为空")
    return Grades(by=by, bands=bands, otherwise=r.text(raw, "otherwise", None))


def load_scheme_file(path: str | Path) -> Scheme:
    with localcontext() as ctx:
        ctx.prec = 40
        return _load(path)


def _load(path: str | Path) -> Scheme:
    path = Path(path)
    if not path.is_file():
        raise SchemeError(str(path), None, None, "方案文件不存在")
    data = read_yaml(path)
    r = _Reader(str(path))
    if not isinstance(data, LDict):
        raise SchemeError(str(path), 1, None, "方案文件顶层应为映射（id、name、version、indicators…）")
    r.allowed(data, SCHEME_KEYS, None, "方案顶层")
    sid = r.text(data, "id", None)
    full = r.number(data, "full", None, default=Decimal(100), min_value=Decimal(0))
    unit_types_raw = data.get("unit_types")
    units: dict[str, list[str]] = {}
    if isinstance(unit_types_raw, list) and unit_types_raw and all(isinstance(t, str) for t in unit_types_raw):
        unit_types = list(unit_types_raw)
    else:
        r.fail(data, "unit_types" if "unit_types" in data else None, None, "unit_types 应为被考核单位类型的列表，如 [区级机关]")
    raw_units = data.get("units") or LDict()
    if not isinstance(raw_units, LDict):
        r.fail(data, "units", None, "units 应为映射：单位类型 -> 单位名称列表")
    for t, names in raw_units.items():
        if t not in unit_types:
            r.fail(raw_units, t, None, f"units 中的单位类型 {t!r} 不在 unit_types 中")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            r.fail(raw_units, t, None, "units 的每个类型应对应单位名称列表")
        units[t] = list(names)
    seen_units: dict[str, str] = {}
    for t, names in units.items():
        for name in names:
            if name in seen_units:
                r.fail(raw_units, t, None, f"单位 {name!r} 在 units 中重复出现（{seen_units[name]}、{t}）")
            seen_units[name] = t
    settings = data.get("settings") or LDict()
    if not isinstance(settings, LDict):
        r.fail(data, "settings", None, "settings 应为映射")
    r.allowed(settings, {"whole_steps"}, None, "settings ")
    whole = settings.get("whole_steps", True)
    if not isinstance(whole, bool):
        r.fail(settings, "whole_steps", None, "settings.whole_steps 应为 true 或 false")
    conditions: dict[str, Condition] = {}
    raw_cond = data.get("conditions") or LDict()
    if not isinstance(raw_cond, LDict):
        r.fail(data, "conditions", None, "conditions 应为映射：条件名 -> {input, default, label}")
    for name, c in raw_cond.items():
        if not isinstance(c, LDict):
            r.fail(raw_cond, name, None, "条件应为映射（input、default、label）")
        r.allowed(c, {"input", "default", "label"}, None, f"条件 {name} ")
        default = c.get("default")
        if default is not None and not isinstance(default, bool):
            r.fail(c, "default", None, "条件的 default 应为 true、false 或不写（不写则必须提供该输入）")
        conditions[name] = Condition(name, r.text(c, "input", None), default, r.text(c, "label", None, required=False, default=name))
    indicators = data.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        r.fail(data, "indicators" if "indicators" in data else None, None, "indicators 应为非空的指标列表")
    seen: set[str] = set()
    root = Node(id="", name=r.text(data, "name", None), full=full)
    root.aggregate = r.text(data, "aggregate", None, required=False, default="sum")
    if root.aggregate not in ("sum", "mean_scaled"):
        r.fail(data, "aggregate", None, f"aggregate 应为 sum 或 mean_scaled，实际为 {root.aggregate!r}")
    root.children = [_node(r, n, seen, full, set(conditions), unit_types, whole) for n in indicators]
    for top in root.children:
        _bottom_up(top)
    _resolve_fulls(r, root, full)
    na = r.text(data, "not_applicable", None, required=False, default="none")
    if na not in ("redistribute", "rescale", "none"):
        r.fail(data, "not_applicable", None, f"not_applicable 应为 redistribute（分值分摊）、rescale（折算百分制）或 none，实际为 {na!r}")
    overrides = []
    for o in data.get("grade_overrides") or []:
        if not isinstance(o, LDict):
            r.fail(data, "grade_overrides", None, "grade_overrides 的每项应为映射（input、grade、label）")
        r.allowed(o, {"input", "grade", "label"}, None, "grade_overrides 项")
        overrides.append(Override(r.text(o, "input", None), r.text(o, "grade", None), r.text(o, "label", None, required=False, default=str(o.get("input")))))
    notes = data.get("notes") or []
    if not isinstance(notes, list):
        r.fail(data, "notes", None, "notes 应为文字列表")
    scheme = Scheme(
        id=sid, name=root.name, version=r.text(data, "version", None), path=str(path), full=full,
        unit_types=unit_types, units=units, root=root, aggregate=root.aggregate, not_applicable=na,
        bonus=_extra(r, data.get("bonus"), data, "bonus", seen, unit_types),
        penalty=_extra(r, data.get("penalty"), data, "penalty", seen, unit_types),
        grades=_grades(r, data.get("grades"), data), overrides=overrides,
        periods=_weighted(r, data.get("periods"), data, "periods"),
        methods=_weighted(r, data.get("methods"), data, "methods"),
        conditions=conditions, total_floor=r.number(data, "total_floor", None, default=Decimal(0)),
        source_doc=r.text(data, "source", None, required=False), notes=[str(n) for n in notes],
    )
    if path.stem != sid and path.parent == SCHEME_DIR:
        raise SchemeError(str(path), data.key_lines.get("id"), None, f"方案 id {sid!r} 应与文件名 {path.stem!r} 一致")
    _check_inputs(r, scheme)
    return scheme


def _check_inputs(r: _Reader, scheme: Scheme) -> None:
    """An input name may not mean two different figures (e.g. a class input named like an id)."""
    owners: dict[str, str] = {}
    for leaf in scheme.leaves():
        names = rule_inputs(leaf.rule) if leaf.rule and rule_inputs(leaf.rule) else [leaf.source.input]
        for name in names:
            if name in owners and owners[name] != leaf.id:
                raise SchemeError(r.path, leaf.line, leaf.id, f"输入名 {name!r} 已被指标 {owners[name]} 使用，同一输入不能计两个指标")
            owners[name] = leaf.id
