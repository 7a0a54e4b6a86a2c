"""A guide under check: the record plus its fields parsed once (rules share them)."""

from __future__ import annotations

import re
from functools import cached_property

from guideaudit.checks.parse.address import Address, parse_address
from guideaudit.checks.parse.common import is_empty, norm
from guideaudit.checks.parse.counts import parse_visits
from guideaudit.checks.parse.depth import parse_depth
from guideaudit.checks.parse.hours import Hours, parse_hours
from guideaudit.checks.parse.phones import Phone, parse_phones
from guideaudit.checks.parse.timelimit import Limit, parse_limit
from guideaudit.checks.parse.workdays import to_workdays
from guideaudit.checks.parse.yesno import parse_yes_no
from guideaudit.checks.settings import CheckSettings

from guideaudit.record import GuideRecord, Material
from guideaudit.text import NONE_WORDS

# Notes, punctuation and quote marks after a material's name: "…申请表（盖章）", "《…登记表》".
_TRAILING_NOTE = re.compile(r"(?:[(（\[【][^()（）\[\]【】]*[)）\]】]|[\s。.;；:：,，*※》〉\"”’'])+$")
_NO_MATERIAL = re.compile(r"^(?:无|暂无|不需要|无需|免于?)(?:提交|提供|申请)?(?:任何)?(?:申请)?材料?[。.]?$|^无[。.]?$")


def says_none(text: str | None) -> bool:
    """The published value says "none" (guideaudit.text.NONE_WORDS), after any leading label."""
    return norm(text).rstrip("。.;；") in NONE_WORDS


class Guide:
    def __init__(self, record: GuideRecord, settings: CheckSettings) -> None:
        self.record = record
        self.settings = settings

    # time limits
    @cached_property
    def statutory(self) -> Limit:
        s = self.settings
        return parse_limit(self.record.statutory_limit, s.statutory_none_words, s.immediate_words)

    @cached_property
    def promised(self) -> Limit:
        s = self.settings
        return parse_limit(self.record.promised_limit, s.statutory_none_words, s.immediate_words)

    def workdays(self, limit: Limit) -> float | None:
        return to_workdays(limit, self.settings.workday_ratio, self.settings.reference_date)

    @cached_property
    def is_licence(self) -> bool:
        item_type = norm(self.record.item_type)
        return any(t in item_type for t in self.settings.licence_item_types)

    @cached_property
    def case_immediate(self) -> bool | None:
        """办件类型 says 即办件 (True), 承诺件 (False), or nothing usable (None)."""
        case = norm(self.record.case_type)
        if not case:
            return None
        if "即办" in case or case == "1":
            return True
        if "承诺" in case or case == "2":
            return False
        return None

    @cached_property
    def immediate(self) -> bool:
        return self.promised.kind == "immediate" or self.case_immediate is True

    # place and time
    @cached_property
    def address(self) -> Address:
        s = self.settings
        return parse_address(self.record.location, s.lenient_address, s.no_offline_phrases)

    @cached_property
    def hours(self) -> Hours:
        return parse_hours(self.record.hours, self.settings.vague_hours_words)

    @cached_property
    def consult_phones(self) -> tuple[Phone, ...]:
        return parse_phones(self.record.consult)

    @cached_property
    def complaint_phones(self) -> tuple[Phone, ...]:
        return parse_phones(self.record.complaint)

    # visits and online service
    @cached_property
    def visits(self) -> int | None:
        return parse_visits(self.record.onsite_visits)

    @cached_property
    def depth(self) -> int | None:
        return parse_depth(self.record.online_depth)

    @cached_property
    def online(self) -> bool | None:
        return parse_yes_no(self.record.online)

    @cached_property
    def express(self) -> bool | None:
        return parse_yes_no(self.record.express)

    @cached_property
    def appointment(self) -> bool | None:
        return parse_yes_no(self.record.appointment)

    @cached_property
    def fee(self) -> bool | None:
        return parse_yes_no(self.record.fee)

    @cached_property
    def online_payment(self) -> bool | None:
        return parse_yes_no(self.record.online_payment)

    @cached_property
    def no_offline(self) -> bool:
        """无线下办理窗口 and 0 visits: E1-3 and E1-4 do not apply."""
        return self.address.no_offline and self.visits == 0

    # materials and forms
    @cached_property
    def materials(self) -> list[Material]:
        return self.record.materials or []

    @cached_property
    def no_materials(self) -> bool:
        """The guide says no material is needed: an empty list, or only a placeholder row
        ("无需材料", "无", "不需要提交材料") where the portal's table wants one."""
        materials = self.record.materials
        if materials is None:
            return False
        return all(_NO_MATERIAL.match(norm(m.name)) for m in materials)

    def is_form(self, material: Material) -> bool:
        if material.blank_form is not None or material.sample_form is not None:
            return True
        s = self.settings
        name = _TRAILING_NOTE.sub("", norm(material.name))
        if not name or not name.endswith(s.form_suffixes) or name.endswith(s.not_form_suffixes):
            return False
        source = norm(material.source)
        if any(word in source for word in s.issued_sources) or any(w in name for w in s.issued_name_words):
            return False  # issued by another body: not a form the guide can offer blank
        return True

    @cached_property
    def forms(self) -> list[tuple[int, Material]]:
        return [(i, m) for i, m in enumerate(self.materials, start=1) if self.is_form(m)]


def locus(kind: str, index: int, name: str | None) -> str:
    return f"{kind}:{index}:{norm(name)[:60]}"


def blank(text: str | None) -> bool:
    return text is None or is_empty(text)
