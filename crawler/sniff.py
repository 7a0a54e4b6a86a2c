"""What a downloaded file really is, from its bytes (the Content-Type header often lies).

Magic numbers: OLE2 compound files (D0 CF 11 E0) are .doc/.xls/.wps, told apart by the
stream names inside and then by the URL's extension; zip files (PK) are docx/xlsx/ofd/zip by
their entry names; %PDF; HTML text; common images; nothing at all is "empty".
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote, urlsplit

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|script|div|p|h1)\b", re.I | re.S)
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
    (b"BM", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
)
# OLE2 stream names are stored as UTF-16LE in the directory sectors.
_OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), "doc"),
    ("Workbook".encode("utf-16-le"), "xls"),
    ("Book".encode("utf-16-le"), "xls"),
)
_EXT_KIND = {"doc": "doc", "dot": "doc", "xls": "xls", "xlt": "xls", "wps": "wps", "et": "xls", "dps": "wps"}


def extension(url: str | None) -> str:
    path = unquote(urlsplit(url or "").path)
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _zip_kind(body: bytes) -> str:
    names: list[str]
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        # A capped download has no central directory: read names from the local headers.
        names = [m.decode("utf-8", "replace") for m in re.findall(rb"PK\x03\x04.{26}([^\x00]{1,200}?)(?=[\x00-\x1f]|PK)", body[:1_000_000], re.S)]
    joined = "\n".join(names)
    if "word/" in joined:
        return "docx"
    if "xl/" in joined:
        return "xlsx"
    if re.search(r"(^|\n)OFD\.xml", joined):
        return "ofd"
    return "zip"


def sniff_kind(body: bytes, url: str | None = None) -> str:
    """One of doc, docx, xls, xlsx, pdf, wps, ofd, zip, image, html, empty, unknown."""
    if not body:
        return "empty"
    if body.startswith(OLE2):
        ext = extension(url)
        if ext == "wps":
            return "wps"
        for marker, kind in _OLE_STREAMS:
            if marker in body[:2_000_000]:
                return kind
        return _EXT_KIND.get(ext, "doc")
    if body.startswith(b"PK\x03\x04") or body.startswith(b"PK\x05\x06"):
        return _zip_kind(body)
    head = body[:2048].lstrip(b"\xef\xbb\xbf")
    if head.lstrip().startswith(b"%PDF") or body[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    # Word opens RTF; portals serve RTF files named .doc.
    if head.startswith(b"{\\rtf"):
        return "doc"
    for magic, kind in _IMAGES:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image"
    if _HTML_START.match(head) or b"<html" in head.lower():
        return "html"
    return "unknown"
