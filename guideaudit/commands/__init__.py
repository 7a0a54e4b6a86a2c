"""One module per `guideaudit` subcommand; see guideaudit/cli.py for the contract.

The helpers here are what every store-touching command shares, so `--db` reads and behaves
the same everywhere.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guideaudit.store import Store

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
