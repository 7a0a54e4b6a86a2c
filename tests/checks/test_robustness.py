"""check_guide never raises, whatever text a portal puts in any field."""

from __future__ import annotations

from guideaudit.checks import ELEMENTS, check_guide
from hypothesis import given, settings
from hypothesis import strategies as st

from guideaudit.record import parse_record

TEXT = st.none() | st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(list("0123456789号路窗口室工作日自然即办无上午下午至周一五:-转表<>&;")),
    max_size=40,
)
FIELDS = (
    "item_type", "case_type", "statutory_limit", "promised_limit", "location", "hours", "consult", "complaint",
    "intermediary", "special_steps", "onsite_visits", "onsite_reason", "online_depth", "online", "express",
    "appointment", "fee", "fee_basis", "online_payment", "implementation_code", "basic_code", "agency_code",
    "result_name",
)


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries({f: TEXT for f in FIELDS}),
    st.none() | st.lists(st.fixed_dictionaries({"name": TEXT, "source": TEXT, "originals": TEXT, "copies": TEXT, "medium": TEXT}), max_size=3),
    st.none() | st.lists(st.fixed_dictionaries({"name": TEXT, "limit": TEXT, "handler": TEXT}), max_size=3),
)
def test_check_guide_never_raises(fields, materials, steps) -> None:
    record = parse_record({"id": "x", **fields, "materials": materials, "steps": steps})
    result = check_guide(record)
    assert set(result.elements) == set(ELEMENTS)
    for defect in result.defects:
        assert defect.message and defect.evidence and defect.suggestion
