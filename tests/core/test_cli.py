import pytest


def test_cli_usage_errors_speak_chinese_and_exit_2(capsys):
    from guideaudit.cli import main

    with pytest.raises(SystemExit) as info:
        main(["check", "--format", "xml", "a.jsonl"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "用法：" in err and "无效的选择" in err and "invalid choice" not in err
