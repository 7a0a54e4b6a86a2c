"""Writing output files the one safe way: atomically, and every spreadsheet cell through
guideaudit.text.safe_cell.

A file is written to a temporary file beside its target and renamed over it only once complete,
so an interrupted report (Ctrl-C, a full disk, a crash) never leaves half a workbook where the
last good one was. A target that is a folder, or cannot be written, is the user's to fix (exit 2).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from guideaudit.errors import UsageError
from guideaudit.text import safe_cell

# xlsxwriter options every workbook uses: portal text is written as literal strings, never
# turned into formulas, links or numbers.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def writable_target(path: str | Path) -> Path:
    """``path`` as a file that can be written: its folder made, a folder given instead of a file
    refused in Chinese, naming it."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{target}：无法写入，这是一个文件夹；应为要写入的文件路径（如 {target / '结果.csv'}）")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"{target}：无法创建所在文件夹（{err.strerror}）") from None
    if not os.access(target.parent, os.W_OK):
        raise UsageError(f"{target}：无法写入（文件夹 {target.parent} 没有写权限）")
    return target


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path to write to; renamed to ``path`` when the block ends without an error,
    removed otherwise (the target keeps what it held)."""
    target = writable_target(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"{target}：无法写入（{err.strerror or err}）") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(path: str | Path, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """A text file opened for writing, put in place only when the block completes."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding, newline=newline) as handle:
            yield handle


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_open(path, encoding=encoding) as handle:
        handle.write(text)


class _SafeCsvWriter:
    """csv.writer whose every cell passes safe_cell."""

    def __init__(self, handle: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(handle, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: IO[str], **kwargs: Any) -> _SafeCsvWriter:
    """The csv writer of every csv output."""
    return _SafeCsvWriter(handle, **kwargs)


def _safe_worksheet_class():
    from xlsxwriter.worksheet import Worksheet

    class SafeWorksheet(Worksheet):
        """Every string xlsxwriter stores (cells by any write method, link texts and tips,
        print headers) passes safe_cell; a link with a character a URL cannot hold is written
        as text instead."""

        def _write_string(self, row, col, string, cell_format=None):
            return super()._write_string(row, col, safe_cell(string), cell_format)

        def _write_url(self, row, col, url, cell_format=None, string=None, tip=None):
            if isinstance(url, str) and safe_cell(url) != url:
                return self._write_string(row, col, string or url, cell_format)
            return super()._write_url(
                row, col, url, cell_format,
                safe_cell(string) if isinstance(string, str) else string,
                safe_cell(tip) if isinstance(tip, str) else tip,
            )

        def set_header(self, header="", options=None, margin=None):
            return super().set_header(safe_cell(header), options, margin)

        def set_footer(self, footer="", options=None, margin=None):
            return super().set_footer(safe_cell(footer), options, margin)

    return SafeWorksheet


_classes: dict[str, type] = {}


def _safe_workbook_class():
    if "book" in _classes:
        return _classes["book"]
    import xlsxwriter

    class SafeWorkbook(xlsxwriter.Workbook):
        """Written to a temporary file beside the target at close() and renamed over it."""

        def __init__(self, path: str | Path, options: dict[str, Any]) -> None:
            self.target = writable_target(path)
            self.tmp = self.target.with_name(f".{self.target.name}.{os.getpid()}.tmp")
            super().__init__(str(self.tmp), options)
            self.worksheet_class = _safe_worksheet_class()

        def close(self) -> None:
            try:
                super().close()
                os.replace(self.tmp, self.target)
            except BaseException as err:
                self.tmp.unlink(missing_ok=True)
                if isinstance(err, OSError) or type(err).__name__ == "FileCreateError":
                    raise UsageError(f"{self.target}：无法写入（{err}）") from None
                raise

    _classes["book"] = SafeWorkbook
    return SafeWorkbook


def xlsx_workbook(path: str | Path, **options: Any):
    """The xlsxwriter workbook of every xlsx output: each sheet writes every string through
    safe_cell, and the file appears at ``path`` only when close() has written it whole."""
    return _safe_workbook_class()(path, {**XLSX_OPTIONS, **options})
