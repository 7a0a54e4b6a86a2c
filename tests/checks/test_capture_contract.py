"""The 待核实 contract, for every bundled profile and every importer: whatever else a record
holds, a field its source does not capture, left empty, never yields a defect from a rule that
reads it; the element is 待核实 instead (or fails on something that was captured)."""

from __future__ import annotations

import pytest
from guideaudit.checks import RULES, check_guide
from guideaudit.crawler.profiles import load_profile, profile_names
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guideaudit.commands.sources import importers
from guideaudit.record import FormLink, GuideRecord, Material, Step

SOURCES: dict[str, tuple[str, ...]] = {
    **{f"profile:{name}": load_profile(name).capture_gaps() for name in profile_names()},
    **{f"importer:{name}": imp.uncaptured for name, imp in importers().items()},
}
# Sources with a gap, plus the gaps a real profile author would declare.
CASES = {name: gaps for name, gaps in SOURCES.items() if gaps}
CASES["declared:steps.handler+hours+unit"] = ("steps.handler", "hours", "statutory_limit.unit")
CASES["declared:materials"] = ("materials",)

_words = st.sampled_from(["", "无", "20", "20个工作日", "即办", "1", "0", "是", "否", "申请人自备",
                          "纸质", "窗口受理人员", "受理", "审查", "决定", "办结", "申请表", "9:00-12:00",
                          "0662-3300000", "江海市人民大道1号3楼5号窗口", "行政许可", "承诺件"])
_text = st.one_of(st.none(), _words, st.text(max_size=12))
_link = st.one_of(st.none(), st.builds(FormLink, url=st.sampled_from(["http://127.0.0.1/f.docx", ""]),
                                       status=st.sampled_from([None, 200, 404]), kind=st.sampled_from([None, "docx", "html"]),
                                       bytes=st.sampled_from([None, 0, 900])))
_material = st.builds(Material, name=_text, source=_text, originals=_text, copies=_text, medium=_text,
                      required=_text, blank_form=_link, sample_form=_link)
_step = st.builds(Step, name=_text, limit=_text, handler=_text, criteria=_text)
_FIELDS = [f for f in GuideRecord.model_fields if f not in ("id", "url", "portal", "fetched_at", "extra", "uncaptured",
                                                            "materials", "steps", "result_sample")]


def _blank(record: GuideRecord, gaps: tuple[str, ...]) -> GuideRecord:
    """The record as such a source would give it: uncaptured fields empty."""
    data = record.model_dump()
    for path in gaps:
        head, _, sub = path.partition(".")
        if not sub:
            data[head] = None
        elif sub == "unit":
            data[head] = "20" if data.get(head) else data.get(head)  # the number without its unit
        else:
            for item in data.get(head) or []:
                item[sub] = None
    data["uncaptured"] = list(gaps)
    return GuideRecord.model_validate(data)


def _reads_uncaptured(record: GuideRecord, rule_id: str) -> list[str]:
    return [p for p in RULES[rule_id].fields if not record.captured(p)]


@pytest.mark.parametrize("source", sorted(CASES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_defect_from_a_rule_reading_an_uncaptured_field(source, data) -> None:
    gaps = CASES[source]
    values = {f: data.draw(_text, label=f) for f in _FIELDS}
    record = GuideRecord(
        url="http://127.0.0.1/guide/1",
        materials=data.draw(st.one_of(st.none(), st.lists(_material, max_size=3))),
        steps=data.draw(st.one_of(st.none(), st.lists(_step, max_size=4))),
        **values,
    )
    record = _blank(record, gaps)
    result = check_guide(record)
    bad = [(d.rule, _reads_uncaptured(record, d.rule)) for d in result.defects if _reads_uncaptured(record, d.rule)]
    assert not bad
    for code, verdict in result.elements.items():
        if verdict == "incomplete":
            assert result.reasons[code]
