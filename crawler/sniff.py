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


# A zip whose entries claim to expand past this (or by more than this ratio) is not opened by
# anyone verifying a form: reported as not verified, never unpacked here.
BOMB_TOTAL = 1 << 30
BOMB_RATIO = 200


def archive_bomb(body: bytes) -> bool:
    """True for a zip (docx/xlsx/ofd are zips) whose declared uncompressed size is absurd.
    Reads the central directory only; nothing is decompressed."""
    if not body.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return total > BOMB_TOTAL or total > BOMB_RATIO * max(len(body), 1) and total > 50 * (1 << 20)


# Pages that stand between a crawler and the file: JS cookie challenges (阿里云 acw_sc__v2),
# WAF block pages, slider captchas, rate limits. Served with 200 in place of the file, they
# say nothing about whether the form exists.
_CHALLENGE_WORDS = (
    "滑动验证|安全验证|人机验证|访问验证|请开启JavaScript|请启用JavaScript|访问过于频繁|请求过于频繁|"
    "您的访问被拦截|访问被拦截|访问被拒绝|系统繁忙"
)
_CHALLENGE = re.compile(
    rb"acw_sc__v2|arg1\s*=|__jsl_clearance|_waf_|waf\.|cf-chl|challenge-platform|"
    + _CHALLENGE_WORDS.encode("utf-8") + b"|" + _CHALLENGE_WORDS.encode("gb18030"),
    re.I,
)


def looks_like_challenge(body: bytes) -> bool:
    """An HTML answer that is a challenge or block page rather than a portal's error page."""
    return bool(_CHALLENGE.search(body[:20_000]))
