"""Reading a user's workbook safely: an xlsx is a zip, and a zip may be a bomb. The archive's
declared sizes and entry count are checked before openpyxl (or pandas) opens it, so an oversized
or zip-bomb workbook is refused in Chinese within milliseconds instead of filling the memory.

Python's zipfile never inflates an entry beyond its declared size, so the declared sizes bound
what a parser can be handed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from guideaudit.errors import UsageError

MAX_FILE_BYTES = 200 * 1024 * 1024  # the workbook on disk
MAX_ENTRIES = 10_000  # files inside (a workbook of 1,000 sheets has ~2,000)
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024  # all entries inflated
MAX_RATIO = 200  # inflated ÷ compressed for an entry above 1 MB (spreadsheet XML: 5–50)


def check_workbook(path: str | Path, what: str = "xlsx 工作簿") -> None:
    """Raise UsageError naming ``path`` when it is not a workbook a parser may safely open."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise UsageError(f"{path}：无法读取（{err.strerror}）") from None
    if size > MAX_FILE_BYTES:
        raise UsageError(f"{path}：文件过大（{size // 2**20} MB，上限 {MAX_FILE_BYTES // 2**20} MB）；应为{what}")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UsageError(f"{path}：无法作为 xlsx 打开（不是有效的 zip 文件）；应为{what}，请在 Excel 中另存为 .xlsx") from None
    if len(entries) > MAX_ENTRIES:
        raise UsageError(f"{path}：包含 {len(entries)} 个内部文件（上限 {MAX_ENTRIES}），不像正常的工作簿；已拒绝")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise UsageError(f"{path}：解压后共 {unpacked // 2**20} MB（上限 {MAX_UNPACKED_BYTES // 2**20} MB），"
                         "可能是压缩炸弹；已拒绝")
    for entry in entries:
        if entry.file_size > 2**20 and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise UsageError(f"{path}：内部文件 {entry.filename} 压缩比异常（{entry.compress_size} 字节解压为 "
                             f"{entry.file_size} 字节），可能是压缩炸弹；已拒绝")
