"""The sweep's progress line: counts, rate and an ETA once the list gave a total."""

from __future__ import annotations

from guideaudit.crawler.progress import progress_line


def test_progress_line_counts_rate_and_eta() -> None:
    stats = {"downloader/response_count": 1200, "guideaudit/guides": 600, "guideaudit/fetch_failures": 3,
             "guideaudit/blocked/challenge": 2, "guideaudit/expected_guides": 2400}
    line = progress_line(stats, 120.0)
    assert line.startswith("进度：已抓取页面 1200，指南 600，无法获取 3（其中被拦截/非指南页面 2）")
    assert "300 份指南/分钟" in line and "已用 2:00" in line
    assert "共约 2400 份，剩余 1800，预计还需 6:00" in line


def test_no_eta_without_a_total() -> None:
    line = progress_line({"guideaudit/guides": 10}, 5.0)
    assert "预计" not in line and "指南 10" in line
