"""One module per `guideaudit` subcommand; see guideaudit/cli.py for the contract.

The helpers here are what every store-touching command shares, so `--db` reads and behaves
the same everywhere.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guideaudit.store import Store, Sweep

DB_HELP = "数据库地址（默认：本机 SQLite 文件 $GUIDEAUDIT_HOME/guideaudit.sqlite3，运行时会显示位置）"


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", default=None, help=DB_HELP)


def open_store(url: str | None) -> Store:
    """The store at --db (or the default one); a bad URL is the user's input error (exit 2)."""
    from guideaudit.errors import UsageError
    from guideaudit.store import Store, StoreError

    try:
        return Store(url)
    except StoreError as err:
        raise UsageError(str(err)) from None


def chosen_sweep(store: Store, number: int | None) -> Sweep:
    """--sweep N, else the latest complete sweep; none at all is the user's to fix (exit 2).
    A sweep that did not complete is allowed when named, with a note on stderr."""
    import sys

    from guideaudit.errors import UsageError
    from guideaudit.store import StoreError

    try:
        sweep = store.resolve_sweep(number)
    except StoreError as err:
        raise UsageError(str(err)) from None
    if sweep is None:
        raise UsageError(
            f"数据库 {store.display_url} 中还没有完成的抓取；先运行 `guideaudit demo` 或 "
            "`guideaudit sweep …`，或用 --sweep N 指定（`guideaudit sweeps` 可列出）"
        )
    if sweep.status != "complete":
        from guideaudit.vocab import SWEEP_STATUS_LABELS

        label = SWEEP_STATUS_LABELS.get(sweep.status, sweep.status)
        print(f"注意：第 {sweep.id} 次抓取状态为 {label}，只包含已读取的指南"
              + (f"（{sweep.error}）" if sweep.error else "") + "。", file=sys.stderr)
    return sweep


def emit(text: str, out: str | None, bom: bool = False) -> None:
    """Command output to --out (UTF-8; with a BOM for csv that Excel opens; written whole or not
    at all) or to the screen; a path that cannot be written is the user's to fix (exit 2)."""
    import sys

    from guideaudit.outfiles import write_text

    if not out:
        sys.stdout.write(text)
        return
    write_text(out, text, encoding="utf-8-sig" if bom else "utf-8")
