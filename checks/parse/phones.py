"""Phone numbers in 咨询/投诉 fields: "020-83133642", "0777—6428820", "020-12333-9" (short
number plus menu keys), "020-38356454转1", several numbers separated by ；、/，."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from guideaudit.checks.parse.common import norm
from phonenumbers import shortnumberinfo

_EXTENSION = re.compile(r"(?:转|分机|分机号|ext\.?|EXT\.?|x)\s*\d{1,6}")
# A run that may be one number: digits with spaces, dashes, brackets and a leading +86.
# Not across a line break: "1.电话咨询：0770-3235169\n2.现场咨询…" is a number, then a list marker.
_RUN = re.compile(r"(?:\+?86[ \t-]*)?\(?\d[\d \t\-()]*\d|\d")
_GROUPS = re.compile(r"\d+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SHORT = re.compile(r"^(?:1[0-2]\d{1,3}|9[56]\d{3,4}|96\d{3,4})$")


@dataclass(frozen=True, slots=True)
class Phone:
    raw: str  # the digits as published (a run of the cleaned text)
    number: str  # normalised: area code + subscriber; a short number without its area code
    kind: str  # fixed, mobile, service (400/800), short, local (no area code), invalid
    valid: bool
    reason: str = ""  # why invalid, in Chinese



# Bounded small: a sweep's writer checks every guide once, and numbers repeat per agency, not
# across a portal; 131,072 entries (and 65,536 parsed texts) kept its memory growing to ~70,000 guides.
@lru_cache(maxsize=8192)
def _valid_fixed(digits: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(digits, "CN"))
    except phonenumbers.NumberParseException:
        return False


# Service numbers phonenumbers' metadata lacks (中国邮政 11183 EMS, 11185 客服).
_EXTRA_SHORT = frozenset({"11183", "11185"})


@lru_cache(maxsize=4096)
def _valid_short(digits: str) -> bool:
    if digits in _EXTRA_SHORT:
        return True
    if not _SHORT.match(digits):
        return False
    try:
        return shortnumberinfo.is_valid_short_number_for_region(phonenumbers.parse(digits, "CN"), "CN")
    except phonenumbers.NumberParseException:
        return False


def _interpret(raw: str) -> Phone | None:
    groups = _GROUPS.findall(raw)
    if not groups:
        return None
    joined = "".join(groups)
    if joined.startswith("86") and len(joined) in (12, 13) and raw.lstrip("(（+ ").startswith("86"):
        # international form: "+86 20 87512631", "(8620) 81218888", "+86 138 0013 8000"
        national = joined[2:]
        if _MOBILE.match(national):
            return Phone(raw, national, "mobile", True)
        if _valid_fixed("0" + national):
            return Phone(raw, "0" + national, "fixed", True)
    first = groups[0]
    # A short number alone, or after an area code, possibly followed by menu keys.
    if _valid_short(first) and (len(groups) == 1 or all(len(g) <= 2 for g in groups[1:])):
        return Phone(raw, first, "short", True)
    if first.startswith("0") and 3 <= len(first) <= 4 and len(groups) > 1 and _valid_short(groups[1]):
        return Phone(raw, groups[1], "short", True)
    if len(groups) == 1 and first.startswith("0") and len(first) in (8, 9) and _valid_short(first[-5:]):
        return Phone(raw, first[-5:], "short", True)
    # Mobile numbers: 11 digits 1[3-9]…, also written 138-0000-0000.
    if first.startswith("1") and not first.startswith("10"):
        digits = joined if len(joined) == 11 else first
        if len(digits) == 11 and _MOBILE.match(digits):
            return Phone(raw, digits, "mobile", True)
        if len(digits) in (7, 8):
            return Phone(raw, digits, "local", False, "缺少区号")
        return Phone(raw, digits, "invalid", False, "位数不对")
    # 400/800 service numbers (10 digits).
    if first.startswith(("400", "800")):
        digits = joined[:10]
        valid = len(joined) >= 10 and _valid_fixed(digits)
        return Phone(raw, digits, "service", valid, "" if valid else "400/800 号码应为 10 位")
    if first.startswith("0"):
        if 3 <= len(first) <= 4 and len(groups) > 1:
            area, rest = first, groups[1:]
            subscriber = rest[0]
            # "0755-8888-8888": the subscriber written in two groups.
            if len(rest) > 1 and len(subscriber) < 7 and len(subscriber) + len(rest[1]) <= 8:
                subscriber += rest[1]
        elif len(first) >= 10:
            # area code and subscriber run together: try 3- then 4-digit area codes
            for cut in (3, 4):
                if _valid_fixed(first[:cut] + first[cut:]):
                    return Phone(raw, first, "fixed", True)
            return Phone(raw, first, "invalid", False, "区号与号码位数不符")
        else:
            return Phone(raw, first, "invalid", False, "位数不对")
        number = area + subscriber
        if _valid_fixed(number):
            return Phone(raw, number, "fixed", True)
        return Phone(raw, number, "invalid", False, f"区号 {area} 的号码位数不对（{len(subscriber)} 位）")
    if len(joined) in (7, 8) and len(groups) == 1:
        return Phone(raw, joined, "local", False, "缺少区号")
    if len(groups) > 1 and len(groups[0]) in (7, 8):
        return Phone(raw, groups[0], "local", False, "缺少区号")
    return Phone(raw, joined, "invalid", False, "不是有效的电话号码")


@lru_cache(maxsize=4096)
def parse_phones(text: str | None) -> tuple[Phone, ...]:
    """Every phone number in the text, each judged; () when there is none."""
    value = norm(text)
    if not value:
        return ()
    value = _EXTENSION.sub(" ", value)
    phones = []
    for match in _RUN.finditer(value):
        for run in _split_run(match.group(0).strip()):
            phone = _judge_run(value, match, run)
            if phone is not None:
                phones.append(phone)
    return tuple(phones)


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _split_run(run: str) -> list[str]:
    """Numbers separated only by spaces ("020-83133642 020-83133643") are two numbers; an
    area code or a group written apart ("(020) 83133642", "86 20 87512631", "2236 0123")
    belongs to its neighbour."""
    parts: list[str] = []
    for token in run.split():
        if parts and (
            _digits(parts[-1]) <= 4 or _digits(token) <= 4 or parts[-1].endswith("-") or token.startswith("-")
        ):
            parts[-1] += token
        else:
            parts.append(token)
    return parts


def _judge_run(value: str, match: re.Match[str], run: str) -> Phone | None:
    if sum(c.isdigit() for c in run) < 3:
        return None
    # Times ("08:30-12:00") and dates are not numbers; "电话：020-…" is.
    end = match.end()
    start = match.start()
    if end < len(value) and (value[end] in "时点年月日号楼层室栋" or value[end] in ":：" and value[end + 1:end + 2].isdigit()):
        return None
    if start > 1 and value[start - 1] in ":：" and value[start - 2].isdigit():
        return None
    return _interpret(run)
