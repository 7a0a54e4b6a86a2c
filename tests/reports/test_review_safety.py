"""`review import` refuses a workbook from another store (the store's identity travels in the
hidden sheet) and an oversized or zip-bomb workbook before openpyxl opens it; nothing stored."""

from __future__ import annotations

import shutil
import time
import zipfile
import zlib

import pytest
from guideaudit.checks.result import defect_id
from openpyxl import load_workbook
from report_data import fill, guide_id

from guideaudit import infiles
from guideaudit.cli import main
from guideaudit.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _marked_copy(report_dir, tmp_path):
    from guideaudit.reports.defects import HEADERS
    from guideaudit.reports.xlsx import HEADER_ROW

    path = tmp_path / "已复核.xlsx"
    shutil.copy(report_dir / "缺陷清单.xlsx", path)
    book = load_workbook(path)
    ws = book["江城区市场监督管理局"]
    wanted = defect_id(guide_id("02"), "hours.vague")
    col = HEADERS.index("问题编号") + 1
    row = next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, col).value == wanted)
    ws.cell(row, HEADERS.index("状态") + 1).value = "误报"
    book.save(path)
    return path


def test_a_workbook_from_another_store_is_refused(store, report_dir, tmp_path, capsys) -> None:
    twin = Store(f"sqlite:///{tmp_path / 'twin.sqlite3'}")  # same sweeps, same defect ids
    fill(twin)
    assert twin.identity != store.identity and store.identity == Store(store.url).identity
    marked = _marked_copy(report_dir, tmp_path)
    assert main(["review", "import", str(marked), "--reviewer", "张三", "--db", twin.url]) == 2
    err = capsys.readouterr().err
    assert "另一个数据库" in err and twin.display_url in err and "Traceback" not in err
    assert twin.reviews() == []
    # the store it came from takes it
    assert main(["review", "import", str(marked), "--reviewer", "张三", "--db", store.url]) == 0
    assert [r.status for r in store.reviews()] == ["误报"]
    twin.close()


def _bomb(report_dir, tmp_path, inflated: int):
    """The real workbook plus one sheet XML of zeros: a few hundred KB on disk."""
    path = tmp_path / "炸弹.xlsx"
    shutil.copy(report_dir / "缺陷清单.xlsx", path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet99.xml", "w", force_zip64=True) as entry:
            chunk = b"\0" * 2**20
            for _ in range(inflated // 2**20):
                entry.write(chunk)
    return path


def test_a_zip_bomb_workbook_is_refused_before_it_is_opened(store, report_dir, tmp_path, capsys) -> None:
    bomb = _bomb(report_dir, tmp_path, 256 * 2**20)
    assert bomb.stat().st_size < 2 * 2**20
    began = time.perf_counter()
    assert main(["review", "import", str(bomb), "--reviewer", "张三", "--db", store.url]) == 2
    refused_in = time.perf_counter() - began
    err = capsys.readouterr().err
    assert "压缩炸弹" in err and "sheet99.xml" in err and "Traceback" not in err, err
    assert store.reviews() == []
    print(f"zip bomb (256 MB inflated, {bomb.stat().st_size} bytes on disk) refused in {refused_in:.2f} s")


def test_an_oversized_workbook_is_refused(store, report_dir, tmp_path, capsys, monkeypatch) -> None:
    marked = _marked_copy(report_dir, tmp_path)
    monkeypatch.setattr(infiles, "MAX_FILE_BYTES", marked.stat().st_size - 1)
    assert main(["review", "import", str(marked), "--reviewer", "张三", "--db", store.url]) == 2
    assert "文件过大" in capsys.readouterr().err and store.reviews() == []


def test_zip_declared_sizes_bound_what_is_inflated(tmp_path) -> None:
    """The guard trusts declared sizes because zipfile never inflates past them: an entry that
    declares 1 KB and holds 1 MB reads as a CRC error, not 1 MB."""
    path = tmp_path / "lying.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b"x" * 2**20)
    data = bytearray(path.read_bytes())
    # patch the central directory's uncompressed size (offset 24 in the entry) to 1,024
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (1024).to_bytes(4, "little")
    local = data.find(b"PK\x03\x04")
    data[local + 22:local + 26] = (1024).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive, pytest.raises((zipfile.BadZipFile, zlib.error)):
        archive.read("a.xml")
