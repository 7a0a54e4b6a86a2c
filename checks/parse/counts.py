"""Counts: 到办事现场次数 and material 份数."""

from __future__ import annotations

import re
from functools import lru_cache

from guideaudit.checks.parse.common import NUM, norm, to_number

_LEAD = re.compile(r"^(?:不超过|最多|至多|共)")
_TAIL = re.compile(r"\s*(?:次|趟)$")
_VISITS = re.compile(NUM + r"\s*(?:次|趟)?")
_KIND = r"(?:原件|复印件|副本|正本|扫描件)"
_UNIT = r"(?:份|张|套|本|页|个|册)"
_COUNT = re.compile(r"^" + _KIND + r"?\s*(?:一式)?\s*(" + NUM + r")\s*" + _UNIT + r"?\s*" + _KIND + r"?[。.;；]?$")


def _count_in(unit: str) -> re.Pattern:
    """A count inside longer text: (kind or None, number) per match; a size ("2寸") is none."""
    return re.compile(r"(?:(" + _KIND + r")\s*)?(?:一式|共)?\s*(" + NUM + r")\s*" + unit + r"(?!\S*[寸厘米])")


# In a requirement: "A4纸，用电脑打印，一式四份。", "原件1份、复印件1份".
_COUNT_IN = _count_in(_UNIT)
# In a material's name: "身份证复印件一份", "一寸证件照一张", "申请表一式两份". Only units that count
# documents: "近三个月的工资流水" and "第2页" state no count.
_COUNT_IN_NAME = _count_in(r"(?:份|张|套|本|册)")


@lru_cache(maxsize=4096)
def parse_visits(text: str | None) -> int | None:
    """到办事现场次数 as an integer ≥ 0, or None when it is not one."""
    value = norm(text)
    if not value:
        return None
    if "零跑动" in value or "不用跑" in value or "无需到现场" in value:
        return 0
    if "最多跑一次" in value:
        return 1
    value = _LEAD.sub("", value)
    match = _VISITS.match(value)
    if not match:
        return None
    rest = value[match.end():].strip()
    # "1次" or "0（全程网办）" are counts; "1-2次" or "若干" are not.
    if rest and not rest.startswith(("(", "（", "，", ",", "。", "；", ";")):
        return None
    number = to_number(_TAIL.sub("", match.group(0)).strip())
    if number is None or number < 0 or not float(number).is_integer():
        return None
    return int(number)


@lru_cache(maxsize=4096)
def parse_count(text: str | None) -> int | None:
    """A material count (1, 1份, 一份, 原件1份), or None when it is not a whole number."""
    value = norm(text)
    if not value:
        return None
    match = _COUNT.match(value)
    if not match:
        return None
    number = to_number(match.group(1))
    if number is None or number < 0 or not float(number).is_integer():
        return None
    return int(number)


def count_phrases(text: str | None) -> list[tuple[str | None, int]]:
    """Every count stated inside a requirement text, with the kind it names (原件, 复印件 or
    None): "原件1份、复印件1份" → [("原件", 1), ("复印件", 1)]; "一式四份" → [(None, 4)]. Sizes such
    as "2寸照片2张" keep only the count."""
    return _phrases(_COUNT_IN, text)


def name_counts(name: str | None) -> list[tuple[str | None, int]]:
    """Counts a material's name states itself ("…复印件一份" → [("复印件", 1)]), as count_phrases
    does for a requirement, with document units only and no zero ("0份" in a name says nothing)."""
    return [(kind, n) for kind, n in _phrases(_COUNT_IN_NAME, name) if n > 0]


def _phrases(pattern: re.Pattern, text: str | None) -> list[tuple[str | None, int]]:
    found = []
    for match in pattern.finditer(norm(text)):
        number = to_number(match.group(2))
        if number is not None and number >= 0 and float(number).is_integer():
            found.append((match.group(1), int(number)))
    return found
