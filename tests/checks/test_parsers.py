"""Parsers on real portal wordings, and property tests: no parser raises on any string."""

from __future__ import annotations

import datetime as dt

from guideaudit.checks.parse.address import parse_address
from guideaudit.checks.parse.common import to_number
from guideaudit.checks.parse.counts import parse_count, parse_visits
from guideaudit.checks.parse.depth import parse_depth
from guideaudit.checks.parse.hours import parse_hours
from guideaudit.checks.parse.phones import parse_phones
from guideaudit.checks.parse.timelimit import parse_limit
from guideaudit.checks.parse.workdays import add_workdays, to_workdays, workdays_in
from guideaudit.checks.parse.yesno import parse_yes_no
from hypothesis import given, settings
from hypothesis import strategies as st

PORTAL_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
        list("0123456789０１２:：-—－()（）号路窗口室工作日自然天即办无上午下午至周一五①④⑤转分机、；/，<br>&amp;")
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(PORTAL_TEXT)
def test_no_parser_raises(text: str) -> None:
    parse_limit(text)
    parse_phones(text)
    parse_address(text)
    parse_address(text, True)
    parse_hours(text)
    parse_visits(text)
    parse_count(text)
    parse_depth(text)
    parse_yes_no(text)


def test_limits_real_wordings() -> None:
    assert parse_limit("20(工作日)").unit == "workday"
    assert parse_limit("二十个工作日").value == 20
    assert parse_limit("91(自然日)").unit == "calendar"
    assert parse_limit("２０（工作日）").value == 20
    assert parse_limit("即办").kind == "immediate"
    assert parse_limit("无", ("无",)).kind == "none"
    assert parse_limit(None).kind == "missing"
    assert parse_limit("20日").unit == "bare"


def test_workday_conversion() -> None:
    limit = parse_limit("91(自然日)")
    assert to_workdays(limit) == 65  # 91 × 5/7
    # National Day week 2024: 2024-10-01 … 10-07 are holidays, 09-29 and 10-12 working Sundays/Saturdays
    count, exact = workdays_in(dt.date(2024, 10, 1), 7)
    assert (count, exact) == (0, True)
    due, exact = add_workdays(dt.date(2024, 9, 30), 1)
    assert due == dt.date(2024, 10, 8) and exact
    # past chinese_calendar's data: Monday–Friday, and says so
    count, exact = workdays_in(dt.date(2031, 1, 6), 7)
    assert count == 5 and exact is False


def test_phones_real_wordings() -> None:
    assert [p.number for p in parse_phones("020-84469270、020-84469702；020-89023252")] == [
        "02084469270", "02084469702", "02089023252",
    ]
    assert parse_phones("0777—6428820")[0].valid
    assert parse_phones("020-12333-9-0")[0].kind == "short"
    assert parse_phones("020-12345")[0].number == "12345"
    assert parse_phones("020-38356454转2")[0].number == "02038356454"
    local = parse_phones("37885230")[0]
    assert not local.valid and local.reason == "缺少区号"
    assert not parse_phones("020-1234567")[0].valid  # 广州 numbers have 8 digits
    assert parse_phones("0755-8888-8888")[0].valid
    assert parse_phones("上午08：30-12:00") == ()


def test_hours_real_wordings() -> None:
    h = parse_hours("周一至周五 上午9:00-12:00 下午1:30-5:00")
    assert h.has_days and h.ranges == ((540, 720), (810, 1020)) and not h.bad_ranges
    assert parse_hours("周一至周五 9:00-12:00 11:00-14:00").bad_ranges


def test_counts_and_flags() -> None:
    assert parse_visits("0次（全程网办）") == 0
    assert parse_visits("一次") == 1
    assert parse_visits("1-2次") is None
    assert parse_count("原件1份") == 1
    assert parse_count("若干") is None
    assert parse_depth("Ⅳ") == 4 and parse_depth("三级") == 3 and parse_depth("全程网办") == 4
    assert parse_yes_no("不支持") is False and parse_yes_no("是") is True and parse_yes_no("") is None
    assert to_number("二十") == 20 and to_number("十十") is None


def test_post_office_service_numbers_are_short_numbers() -> None:
    phone = parse_phones("020-11183-6")[0]
    assert phone.valid and phone.kind == "short" and phone.number == "11183"
