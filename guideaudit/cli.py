"""The `guideaudit` command: a thin shell over one module per subcommand.

Each module in guideaudit/commands/ defines ``HELP`` (Chinese, one line),
``add_arguments(parser)`` and ``run(args) -> int``. Exit codes: 0 ran (defects are findings,
not errors), 1 the job failed, 2 bad input or usage, 3 another sweep holds the lock.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from guideaudit import __version__
from guideaudit.errors import UsageError
from guideaudit.record import RecordError

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]

# name -> module; order is the order `guideaudit --help` lists them.
COMMANDS: dict[str, str] = {
    "demo": "guideaudit.commands.demo",
    "check": "guideaudit.commands.check",
    "indicators": "guideaudit.commands.indicators",
    "extract": "guideaudit.commands.extract",
    "probe": "guideaudit.commands.probe",
    "sweep": "guideaudit.commands.sweep",
    "sweeps": "guideaudit.commands.sweeps",
    "worker": "guideaudit.commands.worker",
    "import": "guideaudit.commands.import_",
    "export": "guideaudit.commands.export",
    "portal": "guideaudit.commands.portal",
    "score": "guideaudit.commands.score",
    "schemes": "guideaudit.commands.schemes",
    "report": "guideaudit.commands.report",
    "review": "guideaudit.commands.review",
    "compare": "guideaudit.commands.compare",
    "consistency": "guideaudit.commands.consistency",
    "levels": "guideaudit.commands.levels",
}

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_LOCKED = 0, 1, 2, 3


# argparse's own words (usage, section titles, -h help, its errors) shown in Chinese: the CLI's
# users read Chinese. argparse looks them up through its module-level gettext alias.
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个参数值",
    "expected at most one argument": "最多一个参数值",
    "expected at least one argument": "至少需要一个参数值",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
}
_argparse_gettext = argparse._


def _zh(message: str) -> str:
    return _ARGPARSE_ZH.get(message) or _argparse_gettext(message)


argparse._ = _zh


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors, in the same shape as ours
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}：参数错误：{message}\n")


def _load(module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name == module_name:  # not built yet: leave it out of the CLI
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="guideaudit",
        description="政务服务事项办事指南合规审计：抓取门户、逐要素检查、计算指标、考核评分、生成报告。",
    )
    parser.add_argument("--version", action="version", version=f"guideaudit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        module = _load(module_name)
        if module is None:
            continue
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from guideaudit.terminal import safe_log_records, safe_streams

    # Portal text reaches the screen and the logs through one cleaning function (terminal.py).
    safe_log_records()
    with safe_streams():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args._run(args) or 0)
    except (UsageError, RecordError) as err:
        print(f"错误：{err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `guideaudit export … | head`: the reader had enough
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_OK
    except Exception as err:  # a bug of ours: say so in Chinese, keep the traceback in a file
        from guideaudit.store.store import explain_db_error

        said = explain_db_error(err)
        if said:  # the user's setup (a locked or read-only file), not a bug; nothing was stored
            db = getattr(args, "db", None) or "默认数据库"
            print(f"错误：{db}：{said}（{str(getattr(err, 'orig', err))[:200]}）", file=sys.stderr)
            return EXIT_BAD_INPUT
        path = _crash_log(err)
        print(f"内部错误（{type(err).__name__}: {str(err)[:200]}）。这是 guideaudit 的缺陷，不是输入有误；"
              f"详细信息已写入 {path}，请连同使用的命令一起报告。", file=sys.stderr)
        return EXIT_FAILED


def _crash_log(err: BaseException) -> str:
    import time
    import traceback

    try:
        from guideaudit.paths import logs_dir

        path = logs_dir() / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.log"
        path.write_text("".join(traceback.format_exception(err)), encoding="utf-8")
        return str(path)
    except Exception:  # noqa: BLE001 - the log is a courtesy; never fail while failing
        return "（无法写入日志）"


if __name__ == "__main__":
    sys.exit(main())
