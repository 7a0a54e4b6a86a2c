"""办理时间: day ranges and time ranges (E1-4). 下午1:30 means 13:30."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from guideaudit.checks.parse.common import norm

_DAY = r"(?:星期|周|礼拜)\s*[一二三四五六日天1-7]"
# Between two days or two times: any run of dashes (clean() folds every dash to "-"), 至, 到,
# ～ (NFKC: ~), 一 used as a dash is not accepted (it is a numeral).
_TO = r"(?:-+|至|到|~+|－+)"
_DAY_RANGE = re.compile(
    _DAY + r"(?:\s*" + _TO + r"\s*(?:" + _DAY + r"|[一二三四五六日天1-7]))?"
    r"|(?<!非)工作日|每天|每日|全天|全年|节假日|法定节假日|24小时|7\s*[x×*]\s*24"
)
_PERIOD = r"(上\s*午|下\s*午|早\s*上|晚\s*上|中\s*午|早|晚|AM|PM|am|pm)?"
# Every colon form: ":" "：" (NFKC folds it) "∶" (U+2236 RATIO, common in Word-made text), and
# "." as some portals write it.
_CLOCK = r"(\d{1,2})\s*(?:[:：∶.]\s*(\d{2})|[点时](?:(\d{1,2})(?![点时\d])分?|(半))?)"
_TIME_RANGE = re.compile(
    _PERIOD + r"\s*[:：∶]?\s*" + _CLOCK + r"\s*" + _TO + r"\s*" + _PERIOD + r"\s*[:：∶]?\s*" + _CLOCK
)
# A schedule in brackets ("（夏季14:30-18:00）", "（另一办公点…）") is judged on its own.
_OPEN, _CLOSE = "(（[【", ")）]】"
# Seasonal or dated timetables ("夏季…；冬季…", "5月1日至9月30日…") are separate groups.
_NEW_PERIOD = re.compile(r"夏|冬|春|秋|\d+月|\d+日|特殊|其他时间|另")
_ROUND_CLOCK = re.compile(r"24小时|全天|7\s*[x×*]\s*24")


@dataclass(frozen=True, slots=True)
class Hours:
    text: str
    has_days: bool
    ranges: tuple[tuple[int, int], ...]  # minutes since midnight, in order published
    bad_ranges: tuple[str, ...]  # ranges whose start is not before their end, or overlapping
    vague: bool  # a vague wording (工作时间 …) was found


def _minutes(period: str | None, hour: str, minute: str | None, minute2: str | None, half: str | None) -> int:
    h = int(hour)
    period = period.replace(" ", "") if period else period
    m = 30 if half else int(minute or minute2 or 0)
    if period in ("下午", "晚上", "晚", "PM", "pm") and h < 12:
        h += 12
    elif period == "中午" and h < 6:
        h += 12
    return h * 60 + min(m, 59)


def _bracketed(value: str, at: int) -> int:
    """How many brackets are open at position ``at`` (a schedule inside one is another group)."""
    depth = 0
    for ch in value[:at]:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
    return depth


@lru_cache(maxsize=8192)
def parse_hours(text: str | None, vague_words: tuple[str, ...] = ("工作时间",)) -> Hours:
    value = norm(text)
    has_days = bool(_DAY_RANGE.search(value))
    ranges: list[tuple[int, int]] = []
    bad: list[str] = []
    # Overlap is judged within one day group: a new day wording starts a new group.
    group: list[tuple[int, int]] = []
    cursor = depth = 0
    for match in _TIME_RANGE.finditer(value):
        between = value[cursor:match.start()]
        if _DAY_RANGE.search(between) or _NEW_PERIOD.search(between) or _bracketed(value, match.start()) != depth:
            group = []
            depth = _bracketed(value, match.start())
        cursor = match.end()
        p1, h1, m1, n1, f1, p2, h2, m2, n2, f2 = match.groups()
        if int(h1) > 24 or int(h2) > 24:
            continue
        # "下午1:30-5:00": the period of the start applies to the end too.
        start = _minutes(p1, h1, m1, n1, f1)
        end = _minutes(p2 or p1, h2, m2, n2, f2)
        ranges.append((start, end))
        if start >= end:
            bad.append(match.group(0))
        elif any(start < e and s < end for s, e in group):
            bad.append(match.group(0))
        group.append((start, end))
    if not ranges and _ROUND_CLOCK.search(value):
        ranges.append((0, 24 * 60))
    vague = any(word in value for word in vague_words)
    return Hours(value, has_days, tuple(ranges), tuple(bad), vague)
