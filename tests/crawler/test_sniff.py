"""The real type of a downloaded file, from its bytes."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from guideaudit.crawler.sniff import OLE2, sniff_kind


def _zip(names: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _docx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def _xlsx() -> bytes:
    buf = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "申请表"
    book.save(buf)
    return buf.getvalue()


def _ole(stream: str) -> bytes:
    return OLE2 + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 100


@pytest.mark.parametrize(
    "body,url,kind",
    [
        (b"", "http://h/a.docx", "empty"),
        (b"%PDF-1.4\n1 0 obj\n", "http://h/a.pdf", "pdf"),
        (b"%PDF-1.7\n", "http://h/a.doc", "pdf"),  # the extension lies
        (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "http://h/a.doc", "html"),
        (b"\xef\xbb\xbf  <html><head><title>error</title>", "http://h/a.docx", "html"),
        (b"\x89PNG\r\n\x1a\n0000", "http://h/a.png", "image"),
        (b"\xff\xd8\xff\xe0JFIF", "http://h/a.jpg", "image"),
        (b"{\\rtf1\\ansi hello}", "http://h/a.doc", "doc"),
        (b"just some text", "http://h/a.txt", "unknown"),
    ],
)
def test_kind_from_bytes(body: bytes, url: str, kind: str) -> None:
    assert sniff_kind(body, url) == kind


def test_office_zip_kinds_by_entries() -> None:
    assert sniff_kind(_docx(), "http://h/x.zip") == "docx"
    assert sniff_kind(_xlsx(), "http://h/x.docx") == "xlsx"
    assert sniff_kind(_zip({"OFD.xml": b"<ofd/>", "Doc_0/Document.xml": b"<d/>"}), "http://h/a.ofd") == "ofd"
    assert sniff_kind(_zip({"readme.txt": b"hi"}), "http://h/a.zip") == "zip"


def test_truncated_zip_is_still_recognised() -> None:
    body = _docx()
    assert sniff_kind(body[: len(body) // 2], "http://h/a.docx") == "docx"


def test_ole2_by_streams_then_extension() -> None:
    assert sniff_kind(_ole("WordDocument"), "http://h/a.bin") == "doc"
    assert sniff_kind(_ole("Workbook"), "http://h/a.bin") == "xls"
    assert sniff_kind(_ole("WordDocument"), "http://h/%E7%94%B3%E8%AF%B7.wps") == "wps"
    assert sniff_kind(OLE2 + b"\x00" * 600, "http://h/a.xls") == "xls"
