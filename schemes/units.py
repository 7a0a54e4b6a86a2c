"""Assessed units and the 实施主体 names on guides: the alias table and nearest-name errors.

An assessment names its units briefly (区市场监管局); guides name the 实施主体 in full
(上海市青浦区市场监督管理局). The alias table joins the two; a name that matches nothing is an
error listing the nearest names, never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from guideaudit.errors import UsageError
from guideaudit.text import clean

ALIAS_HEADERS = {
    "unit": {"unit", "单位", "被考核单位", "被评估单位", "考核对象"},
    "alias": {"alias", "别名", "实施主体", "实施主体名称", "agency"},
    "unit_type": {"unit_type", "单位类型", "类型"},
}


@lru_cache(maxsize=65536)
def norm(name: str) -> str:
    """Compare names without spaces, full-width forms or brackets style differences."""
    text = clean(name or "")
    return "".join(text.split()).replace("（", "(").replace("）", ")")


def nearest(name: str, choices: list[str], limit: int = 3) -> list[str]:
    from rapidfuzz import fuzz, process

    if not choices:
        return []
    found = process.extract(norm(name), {c: norm(c) for c in choices}, scorer=fuzz.WRatio, limit=limit)
    return [key for _value, _score, key in found]


def suggest(name: str, choices: list[str]) -> str:
    near = nearest(name, choices)
    return f"最接近的名称：{'、'.join(near)}" if near else "没有可比较的名称"


@dataclass
class AliasTable:
    to_unit: dict[str, str] = field(default_factory=dict)  # norm(实施主体) -> unit
    unit_types: dict[str, str] = field(default_factory=dict)  # unit -> type
    origin: dict[str, str] = field(default_factory=dict)  # norm(alias) -> "file 第 N 行"

    def aliases_of(self, unit: str) -> list[str]:
        return [a for a, u in self.to_unit.items() if u == unit]


def load_aliases(path: str | Path) -> AliasTable:
    from guideaudit.schemes.inputs import read_table

    path = Path(path)
    rows = read_table(path)
    table = AliasTable()
    if not rows:
        return table
    first = [clean(str(c)).strip().lower() for c in rows[0]]
    header = {col: first.index(n) for col, names in ALIAS_HEADERS.items() for n in names if n in first}
    start = 1 if "unit" in header and "alias" in header else 0
    if start == 0:
        header = {"unit": 0, "alias": 1, "unit_type": 2}
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(str(c).strip() for c in row):
            continue

        def cell(col: str, row=row) -> str:
            i = header.get(col)
            return clean(str(row[i])).strip() if i is not None and i < len(row) else ""

        unit, alias = cell("unit"), cell("alias")
        if not unit or not alias:
            raise UsageError(f"{path}：第 {number} 行应有两列：被考核单位,实施主体名称")
        key = norm(alias)
        if key in table.to_unit and table.to_unit[key] != unit:
            raise UsageError(f"{path}：第 {number} 行把 {alias} 指向 {unit}，但{table.origin[key]}已指向 {table.to_unit[key]}")
        table.to_unit[key] = unit
        table.origin[key] = f"{path.name} 第 {number} 行"
        if cell("unit_type"):
            table.unit_types[unit] = cell("unit_type")
    return table


def canonical_unit(name: str, known: list[str], aliases: AliasTable, what: str) -> str:
    """Map a unit name from an input file to a scheme unit (exact, normalised, or via alias)."""
    if not known:
        return aliases.to_unit.get(norm(name), name)
    by_norm = {norm(k): k for k in known}
    if norm(name) in by_norm:
        return by_norm[norm(name)]
    via = aliases.to_unit.get(norm(name))
    if via and norm(via) in by_norm:
        return by_norm[norm(via)]
    raise UsageError(f"{what}：单位 {name!r} 不是本方案的被考核单位，也不在别名表中；{suggest(name, known)}")


def check_alias_targets(aliases: AliasTable, groups: list[str], known_units: list[str]) -> None:
    """Every 实施主体 in the alias table must exist among the guides, every unit in the scheme."""
    group_norms = {norm(g) for g in groups}
    for alias, unit in aliases.to_unit.items():
        if groups and alias not in group_norms:
            raise UsageError(
                f"别名表（{aliases.origin[alias]}）：实施主体 {alias!r} 在指南中不存在；{suggest(alias, groups)}"
            )
        if known_units and norm(unit) not in {norm(k) for k in known_units}:
            raise UsageError(
                f"别名表（{aliases.origin[alias]}）：单位 {unit!r} 不是本方案的被考核单位；{suggest(unit, known_units)}"
            )
