"""Across units and levels: 要素规范统一 (安达 D2-3: one 事项 has the same 名称, 编码, 依据 and 类型
at 省, 市 and 县 level) and the 减时间/减跑动 comparison of the same high-frequency 事项 across
levels (the national survey's 横向对比). Pure functions over GuideRecords.

A 事项 is a 基本编码. One code covers several 办理项 (专职律师执业许可(申请专职执业), (在外省转入…))
whose names, bases and limits may rightly differ, so those fields are compared per 办理项: the
same code and the same trailing qualifier, published by several units. The 事项类型 is part of
the code and is compared over the whole code. A guide without a code, or under a code no other
unit uses, joins the 事项 whose guides carry exactly its name, and its code is the finding.
"""

from __future__ import annotations

import csv
import io
import re
import string
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from guideaudit.checks.consistency import NORMALISERS, squash
from guideaudit.checks.guide import Guide
from guideaudit.checks.settings import CheckSettings

from guideaudit.record import GuideRecord, RecordError
from guideaudit.text import clean
from guideaudit.units import unit_name, unit_of

# Fields that must agree across levels, in report order ("basic_code": published under another
# code, or none, than the 事项 its name belongs to).
LEVEL_FIELDS = ("basic_code", "item_name", "legal_basis", "item_type", "statutory_limit")
_PER_ITEM = ("item_name", "legal_basis", "statutory_limit")  # per 办理项
NAME_GROUP = "名称:"

_LEVEL_RANK = {"国家级": 0, "省级": 1, "市级": 2, "县级": 3, "区级": 3, "乡镇级": 4, "镇级": 4, "街道": 4, "村级": 5}
_TRAILING = re.compile(r"[(（]([^()（）]*(?:[(（][^()（）]*[)）][^()（）]*)*)[)）]\s*$")


def code_of(record: GuideRecord) -> str:
    return clean(record.basic_code).replace(" ", "").upper()


@lru_cache(maxsize=1 << 17)
def qualifier(name: str | None) -> str:
    """The 办理项 qualifier: the trailing bracket's words (专职律师执业许可(申请专职执业) → 申请专职执业),
    "" when the name has none."""
    m = _TRAILING.search(clean(name))
    return squash(m.group(1)) if m else ""


@lru_cache(maxsize=1 << 17)
def main_name(name: str | None) -> str:
    """The 事项 name without a trailing 办理项 qualifier."""
    return squash(_TRAILING.sub("", clean(name)))


@lru_cache(maxsize=256)
def level_rank_text(level: str) -> int:
    """国家级 0 … 村级 5; an unknown level ranks last."""
    return next((v for k, v in _LEVEL_RANK.items() if k in level or k.rstrip("级") == level), 9)


def level_rank(record: GuideRecord) -> int:
    return level_rank_text(_text(record.level))


_CANONICAL = {0: "国家级", 1: "省级", 2: "市级", 3: "县级", 4: "乡镇级", 5: "村级"}


@lru_cache(maxsize=256)
def canonical_level(level: str | None) -> str:
    """One name per level for the comparison (设区的市级 → 市级, 区级 → 县级); "" unpublished."""
    text = clean(level)
    return _CANONICAL.get(level_rank_text(text), text) if text else ""


@lru_cache(maxsize=1 << 16)
def _text(value: str | None) -> str:
    """clean(), once per distinct text (levels and limits repeat across thousands of guides)."""
    return clean(value)


def _order(r: GuideRecord) -> tuple[int, str]:
    return level_rank(r), r.id


# Names and units repeat across thousands of guides: normalise each distinct text once.
@lru_cache(maxsize=1 << 16)
def _unit_key(agency: str | None) -> str:
    return squash(unit_name(agency))


@lru_cache(maxsize=1 << 16)
def _unit_shown(agency: str | None) -> str:
    return unit_name(agency)


@lru_cache(maxsize=1 << 17)
def _norm(name: str, value: str) -> str:
    return NORMALISERS[name](value)


def _unit(r: GuideRecord) -> str:
    return _unit_key(r.agency)


def _name(r: GuideRecord) -> str:
    return _norm("item_name", r.item_name) if r.item_name else ""


@dataclass(frozen=True)
class Deviation:
    group: str  # 基本编码, or "名称:…" where no guide of the 事项 has one
    field: str  # one of LEVEL_FIELDS
    guide_id: str
    unit: str
    level: str
    value: str  # the deviating published text ("" for a code not published)
    majority: str  # the majority's published text
    majority_n: int
    group_n: int

    def to_dict(self) -> dict:
        return {"group": self.group, "field": self.field, "guide": self.guide_id, "unit": self.unit,
                "level": self.level, "value": self.value, "majority": self.majority,
                "majority_n": self.majority_n, "group_n": self.group_n}


# --- grouping --------------------------------------------------------------------------------


def group(records: Iterable[GuideRecord]) -> tuple[dict[str, list[GuideRecord]], dict[str, str]]:
    """事项 groups (基本编码, else 名称:…) of ≥ 2 units, each sorted by level; and the guides that
    joined a group by name: guide id → the code they were published under ("" none)."""
    by_code: dict[str, list[GuideRecord]] = defaultdict(list)
    loose: list[GuideRecord] = []
    for r in records:
        if code := code_of(r):
            by_code[code].append(r)
        elif _name(r):
            loose.append(r)
    units = {c: {_unit(r) for r in rs} for c, rs in by_code.items()}
    codes_of_name: dict[str, set[str]] = defaultdict(set)
    for c, rs in by_code.items():
        for r in rs:
            if name := _name(r):
                codes_of_name[name].add(c)
    groups = {c: list(rs) for c, rs in by_code.items()}
    moved: dict[str, str] = {}

    top_rank = {c: min(level_rank(r) for r in rs) for c, rs in by_code.items()}

    def home(r: GuideRecord, own: str) -> str | None:
        """The one other 事项 whose guides carry exactly this name, published by another unit. A
        guide under a code only its own unit uses moves only into an established 事项 (≥ 2
        units) or one of a higher level (ties go to the higher level, as in the votes)."""
        others = codes_of_name.get(_name(r), set()) - {own}
        if len(others) != 1:
            return None
        target = next(iter(others))
        if not units[target] - {_unit(r)}:
            return None
        if own and len(units[target]) < 2 and top_rank[target] >= level_rank(r):
            return None
        return target

    for c, rs in by_code.items():
        if len(units[c]) != 1:
            continue
        for r in rs:
            if (target := home(r, c)) is not None:
                groups[c].remove(r)
                groups[target].append(r)
                moved[r.id] = c
    for r in loose:
        if (target := home(r, "")) is not None:
            groups[target].append(r)
            moved[r.id] = ""
        else:
            groups.setdefault(NAME_GROUP + _name(r), []).append(r)
    out = {k: sorted(v, key=_order) for k, v in sorted(groups.items()) if len({_unit(r) for r in v}) >= 2}
    kept = {r.id for v in out.values() for r in v}
    return out, {i: c for i, c in moved.items() if i in kept}


def items(members: list[GuideRecord]) -> dict[str, list[GuideRecord]]:
    """The 办理项 of one 事项 by qualifier, each published by ≥ 2 units."""
    out: dict[str, list[GuideRecord]] = defaultdict(list)
    for r in members:
        out[qualifier(r.item_name)].append(r)
    return {q: rs for q, rs in out.items() if len({_unit(r) for r in rs}) >= 2}


# --- 要素规范统一 ------------------------------------------------------------------------------


def _judge(key: str, voters: list[GuideRecord], name: str) -> list[Deviation]:
    """Per field the majority value (normalised; ties go to the higher level's, voters being in
    level order) stands and every other guide deviates. Not captured or not published: no vote."""
    voters = [r for r in voters if getattr(r, name) and r.captured(name)]
    values = [_norm(name, getattr(r, name)) for r in voters]
    voters = [r for r, v in zip(voters, values, strict=True) if v]
    values = [v for v in values if v]
    if len({_unit(r) for r in voters}) < 2:
        return []
    votes = Counter(values)
    n = votes.most_common(1)[0][1]
    if n == len(voters):
        return []
    top = next(v for v in values if votes[v] == n)
    shown = next(getattr(r, name) for r, v in zip(voters, values, strict=True) if v == top)
    return [Deviation(key, name, r.id, unit_of(r), clean(r.level), getattr(r, name), shown, n, len(voters))
            for r, v in zip(voters, values, strict=True) if v != top]


@dataclass
class Levels:
    groups: dict[str, list[GuideRecord]]  # 事项 published by ≥ 2 units
    deviations: list[Deviation]
    units: dict[str, dict]
    comparison: Comparison | None = None

    def to_dict(self) -> dict:
        return {"groups": {k: [r.id for r in v] for k, v in self.groups.items()},
                "deviations": [d.to_dict() for d in self.deviations], "units": self.units,
                "reductions": self.comparison.to_dict() if self.comparison else None}


def levels(records: Iterable[GuideRecord], selection: Selection | None = None,
           settings: CheckSettings | None = None) -> Levels:
    """要素规范统一 of every 事项 several units publish, and the 减时间/减跑动 comparison of the
    selected high-frequency 事项 (Selection; default: DEFAULT_TOP of those present at every level)."""
    records = list(records)
    groups, moved = group(records)
    deviations: list[Deviation] = []
    judged: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # unit → [uniform guides, guides]
    for key, members in groups.items():
        found: list[Deviation] = []
        if not key.startswith(NAME_GROUP):
            n = sum(r.id not in moved for r in members)
            found += [Deviation(key, "basic_code", r.id, unit_of(r), clean(r.level), moved[r.id], key, n, len(members))
                      for r in members if r.id in moved]
        found += _judge(key, members, "item_type")
        for sub in items(members).values():
            for name in _PER_ITEM:
                found += _judge(key, sub, name)
        order = {f: i for i, f in enumerate(LEVEL_FIELDS)}
        found.sort(key=lambda d: (order[d.field], level_rank_text(d.level), d.guide_id))
        deviations += found
        bad = {d.guide_id for d in found}
        for r in members:
            acc = judged[_unit_shown(r.agency)]
            acc[0] += r.id not in bad
            acc[1] += 1
    units = {u: {"uniform": v[0], "guides": v[1], "uniformity_share": v[0] / v[1] if v[1] else None}
             for u, v in sorted(judged.items())}
    comparison = compare(records, groups, selection or Selection(), settings or CheckSettings())
    return Levels(groups, deviations, units, comparison)


# --- high-frequency 事项 ----------------------------------------------------------------------

DEFAULT_TOP = 20
MAX_LIST_ROWS = 100_000
MAX_CELL = 200
LIST_HEADERS = {"事项名称": "name", "名称": "name", "高频事项": "name", "高频事项名称": "name", "事项": "name",
                "基本编码": "code", "事项编码": "code", "事项基本编码": "code", "目录编码": "code"}
_CODE = re.compile(r"^[0-9A-Z]{12}$")


@dataclass(frozen=True)
class Wanted:
    """One line of an office's high-frequency list: a name, a 基本编码, or both."""

    line: int
    name: str = ""
    code: str = ""

    @property
    def text(self) -> str:
        return " ".join(x for x in (self.code, self.name) if x)


@dataclass
class Selection:
    """Which 事项 the comparison covers: an office's list (wanted), else the default (those
    present at every level, most units first, the first ``top``; 0 = all)."""

    wanted: list[Wanted] | None = None
    source: str = ""  # the list file
    top: int = DEFAULT_TOP
    warnings: list[str] = field(default_factory=list)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = string.ascii_uppercase[rest] + letters
    return letters


def _read_rows(path: Path) -> list[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as err:  # not a workbook, or a broken one: say which file
            raise RecordError(str(path), None, None, f"无法作为 xlsx 读取（{type(err).__name__}）；应为高频事项清单 .xlsx 或 .csv") from None
        try:
            rows = []
            for row in wb.worksheets[0].iter_rows(values_only=True):
                rows.append(list(row))
                if len(rows) > MAX_LIST_ROWS + 1:
                    raise RecordError(str(path), None, None, f"超过 {MAX_LIST_ROWS} 行，不像高频事项清单")
            return rows
        finally:
            wb.close()
    if path.suffix.lower() not in (".csv", ".txt"):
        raise RecordError(str(path), None, None, "应为高频事项清单 .xlsx 或 .csv")
    raw = path.read_bytes()
    if len(raw) > 20 << 20:
        raise RecordError(str(path), None, None, "超过 20 MB，不像高频事项清单")
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves csv as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RecordError(str(path), None, None, "无法解码（应为 UTF-8 或 GBK 编码的 csv）")
    if "\x00" in text:
        raise RecordError(str(path), None, None, "含有 NUL 字符，不是文本 csv（xlsx 文件请用 .xlsx 扩展名）")
    try:
        # csv splits rows itself: str.splitlines would also split inside a cell at U+2028/U+0085
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as err:
        raise RecordError(str(path), None, None, f"csv 格式有误（{err}）") from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean(str(value))


def load_high_frequency(path: str | Path) -> tuple[list[Wanted], list[str]]:
    """An office's high-frequency 事项 list (.xlsx first sheet, or .csv): a header row with
    事项名称 and/or 基本编码, one 事项 a line. Bad input is a RecordError naming the file, line
    and column; unknown columns, duplicates and blank lines are warnings."""
    path = Path(path)
    if not path.is_file():
        raise RecordError(str(path), None, None, "文件不存在（应为高频事项清单 .xlsx 或 .csv）")
    rows = _read_rows(path)
    while rows and not any(_cell(v) for v in rows[0]):
        rows.pop(0)
    if not rows:
        raise RecordError(str(path), None, None, "文件是空的；应有表头「事项名称」或「基本编码」，每行一个高频事项")
    header = [_cell(h) for h in rows[0]]
    columns = {i: LIST_HEADERS[h] for i, h in enumerate(header) if h in LIST_HEADERS}
    if not columns:
        raise RecordError(str(path), 1, None, f"表头应有「事项名称」或「基本编码」列（读到：{'、'.join(h for h in header if h) or '空'}）")
    dup_cols = [k for k, n in Counter(columns.values()).items() if n > 1]
    if dup_cols:
        cols = [f"{_column_letter(i)}列「{header[i]}」" for i, k in columns.items() if k in dup_cols]
        raise RecordError(str(path), 1, None, f"{'、'.join(cols)} 含义相同，只能有一列")
    warnings = []
    unknown = [f"{_column_letter(i)}列「{h}」" for i, h in enumerate(header) if h and i not in columns]
    if unknown:
        warnings.append(f"{path} 第1行：未知的列 {'、'.join(unknown)}，已忽略（可识别：事项名称、基本编码）")
    wanted: list[Wanted] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        values = {}
        for i, key in columns.items():
            text = _cell(row[i]) if i < len(row) else ""
            where = f"{_column_letter(i)}列「{header[i]}」"
            if len(text) > MAX_CELL:
                raise RecordError(str(path), number, where, f"内容过长（{len(text)} 字，最多 {MAX_CELL} 字）")
            if key == "code" and text:
                code = text.replace(" ", "").upper()
                if not _CODE.match(code):
                    raise RecordError(str(path), number, where,
                                      f"「{text[:40]}」不是基本编码（应为 12 位：2 位区划 + 2 位事项类型 + 5 位主项 + 3 位子项）")
                text = code
            values[key] = text
        if not any(values.values()):
            if any(_cell(v) for v in row):
                cols = "、".join(f"{_column_letter(i)}列「{header[i]}」" for i in columns)
                raise RecordError(str(path), number, None, f"{cols} 都是空的；每行应给出事项名称或基本编码")
            continue
        w = Wanted(number, values.get("name", ""), values.get("code", ""))
        key2 = (squash(w.name), w.code)
        if key2 in seen:
            warnings.append(f"{path} 第{number}行：与第{seen[key2]}行重复，已忽略")
            continue
        seen[key2] = number
        wanted.append(w)
    if not wanted:
        raise RecordError(str(path), None, None, "表头之下没有任何事项；每行应给出事项名称或基本编码")
    return wanted, warnings


# --- 减时间 / 减跑动 ---------------------------------------------------------------------------


@dataclass
class Comparison:
    how: str  # how the 事项 were chosen, in Chinese
    items: list[dict]  # per 办理项 and level
    guides: list[dict]  # per 办理项 and guide, with "behind"
    unmatched: list[str] = field(default_factory=list)  # list lines that matched nothing

    def to_dict(self) -> dict:
        return {"selection": self.how, "unmatched": self.unmatched, "items": self.items, "guides": self.guides,
                "units": self.units()}

    def units(self) -> dict[str, dict]:
        """Per unit over its compared high-frequency guides (A4-1 / A4-3 on the 高频事项 sample):
        mean 压缩比, mean 承诺 days, mean visits, 零跑动 share, and how many are behind."""
        acc: dict[str, list[dict]] = defaultdict(list)
        for g in self.guides:
            acc[g["unit"]].append(g)
        out = {}
        for unit, rows in sorted(acc.items()):
            ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
            days = [r["promised_days"] for r in rows if r["promised_days"] is not None]
            visits = [r["visits"] for r in rows if r["visits"] is not None]
            out[unit] = {"guides": len(rows), "hf_time_reduction_mean": _mean(ratios, 4),
                         "hf_promised_days_mean": _mean(days), "hf_visits_mean": _mean(visits),
                         "hf_zero_visit_share": _mean([v == 0 for v in visits], 4),
                         "behind": sum(r["behind_days"] or r["behind_visits"] for r in rows)}
        return out


def _mean(values: list, places: int = 2) -> float | None:
    return round(sum(values) / len(values), places) if values else None


def _index(candidates: list[tuple[str, str, list[GuideRecord]]]) -> tuple[dict, dict]:
    """Candidates by 基本编码 and by name (each member's full name and its name without the
    办理项 qualifier), so a list of any length is matched by look-ups, not by scanning."""
    by_code: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    for n, (key, _q, members) in enumerate(candidates):
        by_code[key].append(n)
        for name in {x for r in members for x in (_name(r), main_name(r.item_name)) if x}:
            by_name[name].append(n)
    return by_code, by_name


def _wanted(w: Wanted, by_code: dict, by_name: dict) -> list[int]:
    hits = by_code.get(w.code, []) if w.code else None
    if w.name:
        named = by_name.get(squash(w.name), [])
        hits = named if hits is None else [n for n in hits if n in set(named)]
    return sorted(hits or [])


def compare(records: list[GuideRecord], groups: dict[str, list[GuideRecord]], selection: Selection,
            settings: CheckSettings) -> Comparison:
    """减时间 / 减跑动 of the same 办理项 across units and levels: per 办理项 and level the 法定 and
    承诺 limits (in 工作日, 即办 = 0), 压缩比 = (法定 − 承诺) / 法定, 到现场次数 and their spread over
    the units; per guide whether it promises more days or asks more visits than the best unit."""
    candidates = [(key, q, sub) for key, members in groups.items() for q, sub in items(members).items()]
    unmatched: list[str] = []
    if selection.wanted is not None:
        by_code, by_name = _index(candidates)
        picked: dict[int, None] = {}
        for w in selection.wanted:
            hits = _wanted(w, by_code, by_name)
            if not hits:
                unmatched.append(f"{selection.source} 第{w.line}行：{w.text} 不在两个以上单位的数据中，无从比较")
            picked.update(dict.fromkeys(hits))
        chosen = [candidates[n] for n in picked]
        how = f"高频事项清单 {selection.source}：{len(selection.wanted)} 行，对应 {len(chosen)} 个办理项"
    else:
        # Present at every level the data holds (as far as any 办理项 reaches: one odd level
        # published by a single unit must not empty the selection), most units first.
        spans = [len({canonical_level(r.level) for r in c[2]} - {""}) for c in candidates]
        widest = max(spans, default=0)
        every = {canonical_level(r.level) for c in candidates for r in c[2]} - {""}
        present = [c for c, n in zip(candidates, spans, strict=True) if n == widest]
        present.sort(key=lambda c: (-len({_unit(r) for r in c[2]}), c[0], c[1]))
        chosen = present[: selection.top] if selection.top else present
        shown = "、".join(sorted(every, key=level_rank_text)) or "数据未写行使层级"
        scope = "各层级（" + shown + "）都有" if widest == len(every) else f"覆盖 {widest} 个层级（数据中有 {shown}）"
        how = (f"默认：{scope}的办理项 {len(present)} 个，按实施单位数排序，"
               + (f"比较前 {len(chosen)} 个" if selection.top and len(present) > len(chosen) else "全部比较"))
    out_items: list[dict] = []
    out_guides: list[dict] = []
    for key, _q, sub in chosen:
        name = _shown_name(sub)
        rows = []
        for r in sub:
            g = Guide(r, settings)
            statutory = g.workdays(g.statutory) if g.statutory.kind == "value" else None
            promised = g.workdays(g.promised) if g.promised.kind in ("value", "immediate") else None
            ratio = (statutory - promised) / statutory if statutory and promised is not None else None
            rows.append({"group": key, "item_name": name, "guide": r.id, "unit": _unit_shown(r.agency),
                         "level": canonical_level(r.level) or "（未公布）",
                         "statutory_limit": _text(r.statutory_limit), "promised_limit": _text(r.promised_limit),
                         "statutory_days": _round(statutory), "promised_days": _round(promised),
                         "ratio": _round(ratio, 4), "visits": g.visits})
        days = [x["promised_days"] for x in rows if x["promised_days"] is not None]
        visits = [x["visits"] for x in rows if x["visits"] is not None]
        best_d, best_v = (min(days) if days else None), (min(visits) if visits else None)
        for x in rows:
            x["best_days"], x["best_visits"] = best_d, best_v
            x["behind_days"] = x["promised_days"] is not None and len(days) >= 2 and x["promised_days"] > best_d
            x["behind_visits"] = x["visits"] is not None and len(visits) >= 2 and x["visits"] > best_v
            x["best_days_units"] = sorted({y["unit"] for y in rows if y["promised_days"] == best_d}) if x["behind_days"] else []
            x["best_visits_units"] = sorted({y["unit"] for y in rows if y["visits"] == best_v}) if x["behind_visits"] else []
        out_guides += rows
        by_level: dict[str, list[dict]] = defaultdict(list)
        for x in rows:
            by_level[x["level"]].append(x)
        for level in sorted(by_level, key=level_rank_text):
            out_items.append(_level_row(key, name, level, by_level[level]))
    return Comparison(how, out_items, out_guides, unmatched)


def _shown_name(sub: list[GuideRecord]) -> str:
    names = Counter(_name(r) for r in sub)
    top = next(_name(r) for r in sub if names[_name(r)] == max(names.values()))
    return next(clean(r.item_name) for r in sub if _name(r) == top)


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def _stats(values: list) -> tuple:
    if not values:
        return None, None, None, None
    return min(values), _round(sum(values) / len(values)), max(values), _round(max(values) - min(values))


def _level_row(key: str, name: str, level: str, rows: list[dict]) -> dict:
    days = [x["promised_days"] for x in rows if x["promised_days"] is not None]
    ratios = [x["ratio"] for x in rows if x["ratio"] is not None]
    visits = [x["visits"] for x in rows if x["visits"] is not None]
    statutory = Counter(x["statutory_limit"] for x in rows if x["statutory_limit"]).most_common(1)
    d_min, d_mean, d_max, d_spread = _stats(days)
    v_min, v_mean, v_max, v_spread = _stats(visits)
    return {"group": key, "item_name": name, "level": level, "units": len({x["unit"] for x in rows}),
            "statutory_limit": statutory[0][0] if statutory else "",
            "promised_min": d_min, "promised_mean": d_mean, "promised_max": d_max, "promised_spread": d_spread,
            "ratio_mean": _round(sum(ratios) / len(ratios), 4) if ratios else None,
            "visits_min": v_min, "visits_mean": v_mean, "visits_max": v_max, "visits_spread": v_spread,
            "zero_visit_share": _round(sum(v == 0 for v in visits) / len(visits), 4) if visits else None}
