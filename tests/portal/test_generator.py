"""The ground truth: deterministic, big enough, valid codes, every rule seeded, real wordings."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from guideaudit.fixtures.portal.codes import CREDIT_ALPHABET, credit_check_char, credit_code_valid
from guideaudit.fixtures.portal.defects import RULES
from guideaudit.fixtures.portal.site import Site

from guideaudit.record import GuideRecord

BASE = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(2400, 2026)


def _rules_md(repo_root) -> dict[str, tuple[str, str]]:
    text = (repo_root / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9.-]+)` \| (\S+) \| (error|warning) \|", text, re.M)
    return {rule: (element, severity) for rule, element, severity in rows}


def test_same_seed_same_portal_other_seed_other_portal():
    a = [r.model_dump() for r in Site(300, 11).ground_truth(BASE)]
    b = [r.model_dump() for r in Site(300, 11).ground_truth(BASE)]
    c = [r.model_dump() for r in Site(300, 12).ground_truth(BASE)]
    assert a == b
    assert a != c
    assert Site(300, 11).seeded_defects() == Site(300, 11).seeded_defects()


def test_default_portal_has_2400_guides_over_at_least_20_agencies_in_three_families(site):
    truth = site.ground_truth(BASE)
    assert len(truth) == 2400
    assert len({r.id for r in truth}) == 2400
    assert len({r.agency for r in truth}) >= 20
    families = Counter(r.portal for r in truth)
    assert families["fixture-js"] >= 100
    assert families["fixture-api"] >= 400
    assert families["fixture-html"] >= 1400
    assert len({r.agency for r in truth if r.portal == "fixture-html"}) >= 14
    assert len({r.agency for r in truth if r.portal == "fixture-js"}) == 2


def test_scales_to_ten_thousand_guides_with_unique_ids():
    big = Site(10000, 2026)
    assert len(big.by_id) == 10000
    assert {r for _, r in big.seeded_defects()} == {r.rule for r in RULES}


def test_credit_check_character_matches_the_published_vector():
    assert credit_code_valid("91350100M000100Y43")
    assert not credit_code_valid("91350100M000100Y44")
    assert credit_check_char("91350100M000100Y4") == "3"


def test_codes_of_clean_guides_are_valid_and_consistent(site):
    for g in site.guides:
        f = g.fields
        assert credit_code_valid(f["agency_code"]), f["agency"]
        if g.defects & {"code.implementation-malformed", "code.credit-code-check", "code.basic-code-mismatch"}:
            continue
        impl = f["implementation_code"]
        assert len(impl) == 31 and impl[:18] == f["agency_code"] and credit_code_valid(impl[:18])
        assert impl[18] in "1234567"
        assert impl[19:] == f["basic_code"] and len(f["basic_code"]) == 12
        assert f["handling_item_code"][:31] == impl and len(f["handling_item_code"]) == 33
        assert all(ch in CREDIT_ALPHABET for ch in impl[:18])


def test_code_defects_break_exactly_their_own_check(site):
    for g in site.guides:
        impl, basic = g.fields["implementation_code"], g.fields["basic_code"]
        if "code.implementation-malformed" in g.defects:
            assert impl[18] not in "1234567" and credit_code_valid(impl[:18]) and impl[19:] == basic
        if "code.credit-code-check" in g.defects:
            assert not credit_code_valid(impl[:18]) and impl[19:] == basic
        if "code.basic-code-mismatch" in g.defects:
            assert credit_code_valid(impl[:18]) and impl[19:] != basic
        assert g.gid == g.fields["handling_item_code"]


def test_every_rule_of_rules_md_is_seeded_with_its_element_and_severity(site, repo_root):
    documented = _rules_md(repo_root)
    assert len(documented) >= 50
    declared = {r.rule: (r.element, r.severity) for r in RULES}
    assert declared == documented
    seeded = Counter(rule for _, rule in site.seeded_defects())
    assert set(seeded) == set(documented)
    assert min(seeded.values()) >= 5


def test_defects_are_spread_unevenly_and_some_guides_have_several(site):
    per_guide = Counter(gid for gid, _ in site.seeded_defects())
    assert sum(1 for n in per_guide.values() if n >= 2) >= 10
    agency_of = {g.gid: g.fields["agency"] for g in site.guides}
    size = Counter(agency_of.values())
    rate = {a: sum(1 for gid in per_guide if agency_of[gid] == a) / size[a] for a in size}
    assert max(rate.values()) > 2.5 * min(rate.values())


def test_expected_elements_include_fail_and_na(site):
    elements = site.expected_elements()
    assert len(elements) == 2400
    for verdicts in elements.values():
        assert len(verdicts) == 13 and set(verdicts.values()) <= {"pass", "fail", "na", "incomplete"}
    online_only = [g for g in site.guides if g.fields["location"] == "无线下办理窗口" and g.fields["onsite_visits"] == "0"]
    assert online_only
    assert all(elements[g.gid]["E1-3"] == elements[g.gid]["E1-4"] == "na" for g in online_only)
    no_forms = [g for g in site.guides if not g.has_forms()]
    assert no_forms and all(elements[g.gid]["E4-1"] == "na" for g in no_forms)
    clean = [g for g in site.guides if not g.defects]
    assert all("fail" not in elements[g.gid].values() for g in clean)
    for g in site.guides:
        if "location.no-street" in g.defects:
            assert elements[g.gid]["E1-3"] == "fail"
        if g.defects == {"consult.hotline-only"}:  # a warning never fails its element
            assert elements[g.gid]["E1-5"] == "pass"


def test_clean_guides_use_awkward_real_wordings(site):
    clean = [r for r in site.ground_truth(BASE) if not site.by_id[r.id].defects]
    blob = "\n".join(r.model_dump_json() for r in clean)
    for wording in ("二十个工作日", "(工作日)", "(自然日)", "０", "—", "、", "；", "转", "④⑤⑥号窗口",
                    "下午1:30", "&nbsp;", "&amp;", "\\n", "无线下办理窗口", "12345、"):
        assert wording in blob, wording
    mixed = [r for r in clean if "自然日" in (r.statutory_limit or "") and "工作日" in (r.promised_limit or "")]
    assert mixed


def test_clean_guides_satisfy_the_cross_field_rules(site):
    for g in site.guides:
        if g.defects:
            continue
        f = g.fields
        if f["case_type"] == "即办件":
            assert f["promised_limit"] in ("即办", "当场办结")
        else:
            assert "工作日" in f["promised_limit"]
        if f["online_depth"] in ("Ⅳ", "四级", "IV"):
            assert f["onsite_visits"] == "0"
        if f["onsite_visits"] != "0":
            assert f["onsite_reason"]
        else:
            assert f["online"] == "是" or f["express"] == "是"
        if f["fee"] in ("不收费", "否"):
            assert f["online_payment"] != "是"
        else:
            assert f["fee_basis"] and f["fee_basis"] != "无"
        assert re.search(r"\d{3,4}-\d{7,8}|12345", f["complaint"])
        assert f["result_sample"] is not None


def test_truth_records_are_valid_guide_records(site):
    for rec in site.ground_truth(BASE)[:200]:
        again = GuideRecord.model_validate_json(rec.to_json())
        assert again == rec and rec.id == rec.handling_item_code
        assert rec.url.startswith(BASE) and rec.portal in ("fixture-html", "fixture-api", "fixture-js")
