"""办理地点: street, house number, numbered room or window (E1-3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from guideaudit.checks.parse.common import norm

_PLACEHOLDER = re.compile(r"[Xx×＊*]{2,}|某(?:某|路|街|区|号|楼|室|窗口|单位|地)|XX|xx|\?\?|待定|详见|见附件")
_STREET_WORDS = r"(?:大道|大街|路|街|道|巷|里|弄|胡同|坊)"
_LENIENT_STREET_WORDS = r"(?:大道|大街|路|街|道|巷|里|弄|胡同|坊|村|镇|社区|工业园|工业区|园区|开发区|大院|广场)"
_CN_DIGIT = r"[\d一二三四五六七八九十百零〇]"
_NUMBER_AFTER = r"[东西南北中]?\s*" + _CN_DIGIT + r"+(?:\s*-\s*\d+)?\s*号(?:之\s*\d+)?"
# A 号 that is a building, floor, window or room number is not a house number.
_NOT_HOUSE = r"(?![楼栋座幢窗房室厅台柜门馆层区])"
_STREET_RE = re.compile(r"[\u4e00-\u9fa5\dA-Za-z]" + _STREET_WORDS)
_LENIENT_STREET_RE = re.compile(r"[\u4e00-\u9fa5\dA-Za-z]" + _LENIENT_STREET_WORDS)
_HOUSE_RE = re.compile(_STREET_WORDS + _NUMBER_AFTER + _NOT_HOUSE)
_LENIENT_HOUSE_RE = re.compile(r"(?<![至到、,\-~口窗])" + _CN_DIGIT + r"+(?:-\d+)?号(?:之\d+)?" + _NOT_HOUSE + r"(?![至到、,\-~]\s*\d)")
_NUMS = r"[A-Za-z]?\d+(?:\s*[-~至到、,，和及]\s*[A-Za-z]?\d+)*"
# "201不见面审批窗口", "C16综合窗口"; but "2楼窗口", "所有窗口" carry no window number.
_WINDOW_KIND = r"(?:(?![楼层区厅栋座馆所有全部任各])[\u4e00-\u9fa5]){0,6}"
_ROOM_OR_WINDOW = re.compile(
    r"(?:" + _NUMS + r"\s*号?\s*" + _WINDOW_KIND + r"(?:窗口|窗|柜台)"
    r"|窗口\s*" + _NUMS
    + r"|" + _NUMS + r"\s*(?:号)?\s*(?:室|房|房间|办公室|会议室)"
    + r"|(?:室|房)\s*\d+)"
)


@dataclass(frozen=True, slots=True)
class Address:
    text: str
    placeholder: bool
    street: bool
    number: bool
    room_or_window: bool
    no_offline: bool  # says there is no counter (无线下办理窗口)


@lru_cache(maxsize=16384)
def parse_address(
    text: str | None, lenient: bool = False, no_offline_phrases: tuple[str, ...] = ("无线下办理窗口",)
) -> Address:
    value = norm(text)
    no_offline = any(phrase in value for phrase in no_offline_phrases)
    street_re = _LENIENT_STREET_RE if lenient else _STREET_RE
    house_re = _LENIENT_HOUSE_RE if lenient else _HOUSE_RE
    # The house number must not pass for a window number ("61号综合窗口").
    rest = house_re.sub("|", value)
    return Address(
        text=value,
        placeholder=bool(_PLACEHOLDER.search(value)),
        street=bool(street_re.search(value)),
        number=rest != value,
        room_or_window=bool(_ROOM_OR_WINDOW.search(rest)),
        no_offline=no_offline,
    )
