"""Consistency of the same 事项 across two sources (数据同源, 线上线下一致性): pure functions over
GuideRecords. Across units and levels (要素规范统一, 减时间/减跑动) is checks/levels.py.

Matching uses indexes, never all pairs: codes are dict look-ups; names are compared only
within one 实施主体's leftovers (rapidfuzz process.extractOne), so two 100,000-guide sources
match in seconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from guideaudit.checks.parse.timelimit import parse_limit
from rapidfuzz import fuzz, process

from guideaudit.record import GuideRecord, Material, field_label
from guideaudit.text import clean
from guideaudit.units import unit_of

# How a pair was matched, strongest first. Only "name" is uncertain (待核实).
MATCH_KEYS = ("handling_item_code", "implementation_code", "basic_code+agency", "name+agency")
MATCH_LABELS = {
    "handling_item_code": "业务办理项编码", "implementation_code": "实施编码",
    "basic_code+agency": "基本编码+实施主体", "name+agency": "事项名称+实施主体（待核实）",
}

# Fields compared between two sources of one 事项, in report order.
COMPARED = (
    "item_name", "statutory_limit", "promised_limit", "onsite_visits", "fee", "location", "hours",
    "consult", "case_type", "online_depth", "materials", "materials.medium", "materials.source", "conditions",
)


@dataclass(frozen=True)
class Settings:
    name_cutoff: float = 80.0  # rapidfuzz ratio (0–100) for a name-only match to be proposed
    material_cutoff: float = 80.0  # for two material names to be the same material
    text_threshold: float = 0.9  # conditions: similarity at or above this counts as the same


DEFAULT = Settings()


# --- normalisation ---------------------------------------------------------------------------

_PUNCT = re.compile(r"[\s\W_]+")
_LIMIT = re.compile(r"(\d+(?:\.\d+)?)\s*[个(（]?\s*(工作日|自然日|个月|月|小时|日|天)?")
_PHONE = re.compile(r"(?<!\d)(?:\d[\d-]{3,}\d)(?!\d)")
_ROMAN = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_DEPTH = re.compile(r"(IV|III|II|I|Ⅳ|Ⅲ|Ⅱ|Ⅰ|[一二三四1-4])\s*级?")
_UNIT_WORDS = {"天": "日", "个月": "月"}
_UNIT_NAMES = {"workday": "工作日", "calendar": "自然日", "bare": "日", "month": "月", "year": "年", "hour": "小时"}


def squash(text: str | None) -> str:
    """Text reduced to its words: cleaned, full-width folded, spaces and punctuation gone."""
    return _PUNCT.sub("", clean(text)).lower()


@lru_cache(maxsize=1 << 16)
def norm_limit(text: str | None) -> str:
    """"20(工作日)", "20个工作日" → "20 工作日"; 即办/当场办结 → "即办"; a bare number keeps
    its (missing) unit visible: "20 日"."""
    value = clean(text)
    if not value:
        return ""
    if "即办" in value or "当场" in value or "立即" in value:
        return "即办"
    parsed = parse_limit(value)  # the checks' own parser: 二十个工作日, ２０个工作日, 20 (工作日)
    if parsed.kind == "immediate":
        return "即办"
    if parsed.kind == "value" and parsed.value is not None:
        return f"{parsed.value:g} {_UNIT_NAMES.get(parsed.unit, '（无单位）')}"
    m = _LIMIT.search(value)
    if not m:
        return squash(value)
    number = m.group(1).rstrip("0").rstrip(".") if "." in m.group(1) else m.group(1)
    unit = m.group(2) or "（无单位）"
    return f"{number} {_UNIT_WORDS.get(unit, unit)}"


def norm_visits(text: str | None) -> str:
    m = re.search(r"\d+", clean(text))
    return m.group(0).lstrip("0") or "0" if m else squash(text)


def norm_fee(text: str | None) -> str:
    value = squash(text)
    if not value:
        return ""
    if value in ("否", "无", "不收费", "免费", "0", "n", "no") or value.startswith(("不收", "免")):
        return "不收费"
    if value in ("是", "收费", "y", "yes") or "收费" in value:
        return "收费"
    return value


def norm_phones(text: str | None) -> str:
    """The set of phone numbers (digits only), sorted: separators and order do not matter."""
    numbers = sorted({p.replace("-", "") for p in _PHONE.findall(clean(text))})
    return "、".join(numbers) if numbers else squash(text)


def norm_case(text: str | None) -> str:
    value = squash(text)
    if "即办" in value or value == "1":
        return "即办件"
    if "承诺" in value or value == "2":
        return "承诺件"
    return value


def norm_depth(text: str | None) -> str:
    value = unicodedata.normalize("NFKC", clean(text)).upper()
    value = value.replace("Ⅳ", "IV").replace("Ⅲ", "III").replace("Ⅱ", "II").replace("Ⅰ", "I")
    m = _DEPTH.search(value)
    return str(_ROMAN.get(m.group(1), m.group(1))) if m else squash(text)


def norm_medium(text: str | None) -> str:
    value = squash(text)
    kinds = [k for k, word in (("纸质", "纸"), ("电子", "电子")) if word in value]
    return "+".join(kinds) if kinds else value


def norm_source(text: str | None) -> str:
    value = squash(text)
    for key, words in (("申请人自备", ("自备", "申请人")), ("政府部门核发", ("政府", "部门核发", "核发"))):
        if any(w in value for w in words):
            return key
    return value


NORMALISERS: dict[str, Callable[[str | None], str]] = {
    "item_name": squash, "statutory_limit": norm_limit, "promised_limit": norm_limit,
    "onsite_visits": norm_visits, "fee": norm_fee, "location": squash, "hours": squash,
    "consult": norm_phones, "case_type": norm_case, "online_depth": norm_depth,
    "legal_basis": squash, "item_type": squash,
}


def similarity(a: str, b: str) -> float:
    """0–1, on squashed text (so layout and punctuation never count)."""
    return round(fuzz.ratio(squash(a), squash(b)) / 100, 4)


# --- matching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    a: GuideRecord
    b: GuideRecord
    key: str  # one of MATCH_KEYS
    similarity: float = 1.0  # of the names, for name matches

    @property
    def uncertain(self) -> bool:
        return self.key == "name+agency"


@dataclass
class Problem:
    """Bad input found while matching: duplicate codes in one source, … (Chinese, names where)."""

    source: str
    message: str


@dataclass
class Match:
    pairs: list[Pair]
    only_a: list[GuideRecord]
    only_b: list[GuideRecord]
    problems: list[Problem] = field(default_factory=list)

    @property
    def certain(self) -> list[Pair]:
        return [p for p in self.pairs if not p.uncertain]

    @property
    def uncertain(self) -> list[Pair]:
        return [p for p in self.pairs if p.uncertain]


def _code(value: str | None) -> str:
    return clean(value).replace(" ", "").upper()


def _keys(record: GuideRecord, key: str) -> str:
    if key == "handling_item_code":
        return _code(record.handling_item_code)
    if key == "implementation_code":
        return _code(record.implementation_code)
    code = _code(record.basic_code)
    return code and f"{code}|{squash(unit_of(record))}"


def match(
    a: Sequence[GuideRecord], b: Sequence[GuideRecord], settings: Settings = DEFAULT,
    names: tuple[str, str] = ("A", "B"),
) -> Match:
    """Pair the guides of two sources by code, strongest first; leftovers by name within one
    实施主体 (uncertain). A code held by several guides of one source is reported and not used
    for matching at that level (which of them is the 事项 is not ours to guess)."""
    left = dict(enumerate(a))
    right = dict(enumerate(b))
    pairs: list[Pair] = []
    problems: list[Problem] = []
    for key in MATCH_KEYS[:3]:
        index: dict[str, list[int]] = defaultdict(list)
        for j, r in right.items():
            if k := _keys(r, key):
                index[k].append(j)
        counts_a: Counter[str] = Counter(k for r in left.values() if (k := _keys(r, key)))
        for side, counts in ((names[0], counts_a), (names[1], Counter({k: len(v) for k, v in index.items()}))):
            if key != "basic_code+agency":  # one 基本编码 per 实施主体 with several 办理项 is normal
                for k, n in counts.items():
                    if n > 1:
                        problems.append(Problem(side, f"{MATCH_LABELS[key]} {k} 在{side}中出现 {n} 次，未按此编码匹配"))
        for i, r in list(left.items()):
            k = _keys(r, key)
            if not k or counts_a[k] != 1 or len(index.get(k, ())) != 1:
                continue
            j = index[k][0]
            pairs.append(Pair(r, right.pop(j), key))
            del left[i]
    # Name + 实施主体 among the leftovers: blocked by unit, one best candidate each.
    by_unit: dict[str, dict[int, str]] = defaultdict(dict)
    for j, r in right.items():
        by_unit[squash(unit_of(r))][j] = squash(r.item_name)
    for i, r in list(left.items()):
        block = by_unit.get(squash(unit_of(r)))
        name = squash(r.item_name)
        if not block or not name:
            continue
        best = process.extractOne(name, block, scorer=fuzz.ratio, score_cutoff=settings.name_cutoff)
        if best is None:
            continue
        _choice, score, j = best
        del block[j]
        pairs.append(Pair(r, right.pop(j), "name+agency", round(score / 100, 4)))
        del left[i]
    return Match(pairs, list(left.values()), list(right.values()), problems)


# --- field comparison ------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    a: str  # guide ids
    b: str
    field: str
    a_text: str
    b_text: str
    similarity: float | None
    unit: str = ""
    item_name: str = ""

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "field": self.field, "a_text": self.a_text,
                "b_text": self.b_text, "similarity": self.similarity}

    @property
    def label(self) -> str:
        return field_label(self.field)


def _captured(a: GuideRecord, b: GuideRecord, path: str) -> bool:
    return a.captured(path) and b.captured(path)


def _material_pairs(ma: list[Material], mb: list[Material], cutoff: float):
    """Materials paired by name similarity (best first); the unpaired of each side."""
    names_b = {j: squash(m.name) for j, m in enumerate(mb)}
    paired, lone_a = [], []
    for m in ma:
        best = process.extractOne(squash(m.name), names_b, scorer=fuzz.ratio, score_cutoff=cutoff) if names_b else None
        if best is None:
            lone_a.append(m)
            continue
        del names_b[best[2]]
        paired.append((m, mb[best[2]]))
    return paired, lone_a, [mb[j] for j in names_b]


def _texts(materials: Iterable[Material]) -> str:
    return "、".join(clean(m.name) for m in materials)


def compare_pair(pair: Pair, settings: Settings = DEFAULT) -> list[Difference]:
    """Each field on which the two guides differ after normalisation, with both texts."""
    a, b = pair.a, pair.b
    out: list[Difference] = []

    def add(name: str, ta: str, tb: str, sim: float | None) -> None:
        out.append(Difference(a.id, b.id, name, ta, tb, sim, unit_of(a), clean(a.item_name)))

    for name in ("item_name", "statutory_limit", "promised_limit", "onsite_visits", "fee", "location",
                 "hours", "consult", "case_type", "online_depth"):
        if name == "item_name" and pair.uncertain:
            continue  # the name is what matched them: its similarity is on the pair
        if not _captured(a, b, name):
            continue
        va, vb = getattr(a, name), getattr(b, name)
        if va is None and vb is None:
            continue
        norm = NORMALISERS[name]
        if norm(va) != norm(vb):
            add(name, va or "", vb or "", similarity(va or "", vb or ""))
    if _captured(a, b, "materials") and (a.materials is not None or b.materials is not None):
        ma, mb = a.materials or [], b.materials or []
        paired, lone_a, lone_b = _material_pairs(ma, mb, settings.material_cutoff)
        if lone_a or lone_b or len(ma) != len(mb):
            add("materials", f"{len(ma)} 项：{_texts(ma)}", f"{len(mb)} 项：{_texts(mb)}",
                similarity(_texts(ma), _texts(mb)))
        for sub, norm in (("medium", norm_medium), ("source", norm_source)):
            if not _captured(a, b, f"materials.{sub}"):
                continue
            for x, y in paired:
                if norm(getattr(x, sub)) != norm(getattr(y, sub)):
                    add(f"materials.{sub}", f"{clean(x.name)}：{getattr(x, sub) or ''}",
                        f"{clean(y.name)}：{getattr(y, sub) or ''}",
                        similarity(getattr(x, sub) or "", getattr(y, sub) or ""))
    if _captured(a, b, "conditions") and (a.conditions is not None or b.conditions is not None):
        sim = similarity(a.conditions or "", b.conditions or "")
        if sim < settings.text_threshold:
            add("conditions", a.conditions or "", b.conditions or "", sim)
    return out


def compared_fields(pair: Pair) -> list[str]:
    """The fields compare_pair judged on this pair (the 一致率 denominators)."""
    a, b = pair.a, pair.b
    out = []
    for name in COMPARED:
        if name == "item_name" and pair.uncertain:
            continue
        if not _captured(a, b, name) or not _captured(a, b, name.split(".")[0]):
            continue
        head = name.split(".")[0]
        if getattr(a, head) is None and getattr(b, head) is None:
            continue
        out.append(name)
    return out


@dataclass
class Consistency:
    match: Match
    differences: list[Difference]
    units: dict[str, dict]  # unit → figures (see unit_figures)

    def to_dict(self) -> dict:
        m = self.match
        return {
            "pairs": [{"a": p.a.id, "b": p.b.id, "key": p.key, "similarity": p.similarity}
                      for p in m.certain],
            "only_a": [r.id for r in m.only_a],
            "only_b": [r.id for r in m.only_b],
            "uncertain": [{"a": p.a.id, "b": p.b.id, "similarity": p.similarity} for p in m.uncertain],
            "differences": [d.to_dict() for d in self.differences],
            "units": self.units,
            "problems": [{"source": p.source, "message": p.message} for p in m.problems],
        }


def consistency(
    a: Sequence[GuideRecord], b: Sequence[GuideRecord], settings: Settings = DEFAULT,
    names: tuple[str, str] = ("A", "B"),
) -> Consistency:
    m = match(a, b, settings, names)
    diffs: list[Difference] = []
    per_unit: dict[str, dict] = defaultdict(lambda: {
        "guides_a": 0, "only_a": 0, "only_b": 0, "uncertain": 0, "matched": 0, "same": 0,
        "fields": defaultdict(lambda: [0, 0]),
    })
    for r in a:
        per_unit[unit_of(r)]["guides_a"] += 1
    for r in m.only_a:
        per_unit[unit_of(r)]["only_a"] += 1
    for r in m.only_b:
        per_unit[unit_of(r)]["only_b"] += 1
    for p in m.pairs:
        u = per_unit[unit_of(p.a)]
        found = compare_pair(p, settings)
        diffs.extend(found)
        if p.uncertain:
            u["uncertain"] += 1
            continue
        u["matched"] += 1
        u["same"] += not found
        differing = {d.field for d in found}
        for name in compared_fields(p):
            u["fields"][name][0] += name not in differing
            u["fields"][name][1] += 1
    units = {name: unit_figures(v) for name, v in sorted(per_unit.items())}
    return Consistency(m, diffs, units)


def unit_figures(acc: dict) -> dict:
    """同源率: certain pairs with every compared field equal, over the unit's 事项 in either
    source (matched + only in A + only in B). 待核实 pairs are in neither numerator nor
    denominator until a person confirms them: they are counted beside it."""
    whole = acc["matched"] + acc["only_a"] + acc["only_b"]
    fields = {k: (v[0] / v[1] if v[1] else None, v[1]) for k, v in sorted(acc["fields"].items())}
    return {
        "guides_a": acc["guides_a"], "matched": acc["matched"], "same": acc["same"],
        "only_a": acc["only_a"], "only_b": acc["only_b"], "uncertain": acc["uncertain"],
        "same_source_share": acc["same"] / whole if whole else None,
        "field_share": {k: v[0] for k, v in fields.items()},
        "field_n": {k: v[1] for k, v in fields.items()},
    }
