"""`guideaudit probe` over loopback, `extract --explain` and `--labels` on a layout-family page."""

from __future__ import annotations

import yaml
from guideaudit.crawler.profiles import load_profile_file
from guideaudit.fixtures.layouts.family import Family
from guideaudit.fixtures.layouts.held_out import LAYOUTS as HELD_OUT
from guideaudit.fixtures.layouts.server import FamilyServer

from guideaudit.cli import main


def test_probe_finds_guides_fields_and_writes_a_loadable_profile(tmp_path, capsys) -> None:
    with FamilyServer(seed=7, per_layout=4, layouts=HELD_OUT) as server:
        out = tmp_path / "draft.yaml"
        code = main(["probe", f"{server.base_url}/h3/index.html", "--pages", "2", "--delay", "0", "--out", str(out)])
        printed = capsys.readouterr().out
        assert code == 0
        assert "看起来像指南的链接：4 个" in printed
        assert printed.count("== 指南页：") == 2
        assert "← 标签“" in printed and "未识别的字段" in printed
        profile = load_profile_file(out)
        assert profile.family == "html" and profile.start_paths == ["/h3/index.html"]
        assert "/robots.txt" in server.requests  # polite: robots.txt first
        assert len([p for p in server.requests if "/detail/" in p]) == 2


def test_probe_bad_url_is_a_chinese_usage_error(capsys) -> None:
    assert main(["probe", "ftp://x"]) == 2
    assert "URL 应为 http(s)://" in capsys.readouterr().err


def test_explain_and_user_labels(tmp_path, capsys) -> None:
    family = Family(seed=7, per_layout=1, layouts=HELD_OUT)
    page = tmp_path / "h2.html"
    page.write_bytes(family.pages["/h2/detail/1.html"][0])
    assert main(["extract", str(page), "--explain"]) == 0
    before = capsys.readouterr().out
    assert "结论：是办事指南页面" in before and "单列堆叠行" in before
    assert "办理地点" in before.split("未识别的字段")[1].splitlines()[0]
    labels = tmp_path / "labels.yaml"
    labels.write_text(yaml.safe_dump({"fields": {"location": ["办理窗口地址"]}}, allow_unicode=True), "utf-8")
    assert main(["extract", str(page), "--explain", "--labels", str(labels)]) == 0
    after = capsys.readouterr().out
    assert "标签“办理窗口地址”（单列堆叠行，用户同义词 100）" in after
    bad = tmp_path / "bad.yaml"
    bad.write_text("fields:\n  not_a_field: [x]\n", "utf-8")
    assert main(["extract", str(page), "--labels", str(bad)]) == 2
    assert "not_a_field" in capsys.readouterr().err
