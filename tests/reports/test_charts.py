"""Inline SVG charts: labels escaped, bins that hold every score, axes that start below the data."""

from __future__ import annotations

import re

from guideaudit.reports import charts
from hypothesis import given
from hypothesis import strategies as st


def test_labels_are_escaped_in_every_chart():
    hostile = '<script>alert(1)</script>"&'
    for svg in (
        charts.rate_bars([(hostile, 0.5)], hostile),
        charts.trend_lines(["第1次", hostile], [(hostile, [50.0, None])], hostile),
        charts.histogram([10.0], hostile),
    ):
        assert "<script>" not in svg and "&lt;script&gt;" in svg


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=60))
def test_histogram_counts_every_score_once(scores):
    svg = charts.histogram(scores, "得分分布")
    counts = [int(n) for n in re.findall(r"分：(\d+) 个单位", svg)]
    assert sum(counts) == len(scores)
    first = re.search(r"<title>([\d.]+)–", svg).group(1)
    assert float(first) <= min(scores)


def test_trend_axis_starts_at_a_round_number_below_the_lowest_point():
    svg = charts.trend_lines(["a", "b"], [("x", [92.5, 96.0])], "t", top=100, unit="%")
    ticks = [float(t) for t in re.findall(r">([\d.]+)%</text>", svg)]
    assert min(ticks) == 80 and max(ticks) == 100
