"""办结时限: "20个工作日", "20(工作日)", "二十个工作日", "91 自然日", "即办", "无", "3个月"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from guideaudit.checks.parse.common import NUM, norm, to_number

# unit names → canonical unit
_UNITS = {
    "工作日": "workday", "个工作日": "workday", "工作天": "workday",
    "自然日": "calendar", "个自然日": "calendar", "日历日": "calendar", "自然天": "calendar",
    "天": "bare", "日": "bare",
    "个月": "month", "月": "month", "年": "year",
    "小时": "hour", "个小时": "hour", "工作小时": "hour", "个工作小时": "hour",
}
_UNIT_ALT = "|".join(sorted(_UNITS, key=len, reverse=True))
_VALUE = re.compile(
    r"(" + NUM + r")\s*(?:个)?\s*[(\[【]?\s*(" + _UNIT_ALT + r")\s*[)\]】]?"
)
_BARE_NUMBER = re.compile(r"^(" + NUM + r")\s*[。.]?$")
_ANY_NUMBER = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Limit:
    """kind: missing (null), empty (""), none (无 …), immediate (即办), value, unparsable."""

    kind: str
    value: float | None = None
    unit: str | None = None  # workday, calendar, bare, month, year, hour; None when no unit

    @property
    def has_unit(self) -> bool:
        return self.unit not in (None, "bare")


@lru_cache(maxsize=8192)
def parse_limit(
    text: str | None,
    none_words: tuple[str, ...] = ("无",),
    immediate_words: tuple[str, ...] = ("即办",),
) -> Limit:
    if text is None:
        return Limit("missing")
    value = norm(text)
    core = value.strip("。.;；,， ")
    if not core:
        return Limit("empty")
    match = _VALUE.search(core)
    if match:
        number = to_number(match.group(1))
        if number is not None:
            unit = _UNITS[match.group(2)]
            # "0个工作日" and "当场办结" say the same thing.
            if number == 0:
                return Limit("immediate", 0.0, unit)
            return Limit("value", number, unit)
    for word in immediate_words:
        if word in core:
            return Limit("immediate", 0.0, None)
    # "无", "无（法律法规未规定）", "法律法规未规定。" — but never text that states a number
    if core in none_words or (not _ANY_NUMBER.search(core) and any(core.startswith(w) for w in none_words)):
        return Limit("none")
    bare = _BARE_NUMBER.match(core)
    if bare:
        number = to_number(bare.group(1))
        if number is not None:
            return Limit("value", number, None) if number else Limit("immediate", 0.0, None)
    if _ANY_NUMBER.search(core):
        # a number with a unit we do not know ("20周"), or a sentence around a bare number
        lead = re.search(r"(" + NUM + r")", core)
        number = to_number(lead.group(1)) if lead else None
        if number is not None and not re.search(r"[月年周]", core[lead.end():lead.end() + 2]):
            return Limit("value", number, None)
    return Limit("unparsable")
