"""Bytes of a fetched page → text, whatever the server claimed.

Portals serve GBK pages with a UTF-8 header and the reverse. Valid UTF-8 with non-ASCII bytes
is almost never anything else, so it wins; otherwise the declared charsets are tried strictly
and charset-normalizer decides when they all fail.
"""

from __future__ import annotations

import codecs
import re

# GB2312 and GBK are subsets of GB18030: decoding with the superset never loses characters.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
# Single-byte charsets decode any bytes without error, so a server's default "ISO-8859-1"
# would always "succeed" on a GBK page: such a declaration is no evidence for non-ASCII bytes.
_PERMISSIVE = frozenset({"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"})
_META = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]{2,30})""", re.I)


def normalise_encoding(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    """The charset a page declares in its own <meta> (first 4 KB)."""
    found = _META.search(body[:4096])
    return found.group(1).decode("ascii") if found else None


def nearly_utf8(body: bytes) -> str | None:
    """UTF-8 with a few stray invalid bytes (a byte flipped in transit, a truncated character):
    decoded with those bytes replaced by U+FFFD, which the checks read as damaged text (待核实,
    docs/rules.md), instead of guessing another charset and losing the whole page. None when
    the invalid sequences are more than a trace: a page in another charset fails on nearly
    every non-ASCII character."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    # The trace test first: a page in another charset (every GBK page of a portal comes here)
    # fails it at once, before the characters are counted.
    if bad <= 0 or bad > max(3, len(body) // 20_000):
        return None
    non_ascii = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text if non_ascii >= 20 * bad else None


def decode_html(
    body: bytes, declared: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """Return (text, encoding used). ``override`` (a user's --encoding) is obeyed as given."""
    forced = normalise_encoding(override)
    if override and not forced:
        raise ValueError(f"未知的字符编码：{override}")
    if forced:
        return body.decode(forced, errors="replace"), forced
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body[len(bom):].decode(enc, errors="replace"), enc
    try:
        text = body.decode("utf-8")
        if not text.isascii() or normalise_encoding(declared) in (None, "utf-8"):
            return text, "utf-8"
    except UnicodeDecodeError:
        damaged = nearly_utf8(body)
        if damaged is not None:
            return damaged, "utf-8"
    for candidate in (declared, meta_charset(body)):
        enc = normalise_encoding(candidate)
        if enc and enc != "utf-8" and enc not in _PERMISSIVE:
            try:
                return body.decode(enc), enc
            except UnicodeDecodeError:
                continue
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    enc = normalise_encoding(best.encoding if best else None) or "gb18030"
    if enc.startswith(("utf-16", "utf-32")):
        # A guess for bytes that failed everything else: HTML in UTF-16/32 without BOM has NUL
        # bytes (undecodable() stops it first), so this is noise read as wide characters.
        enc = "gb18030"
    return body.decode(enc, errors="replace"), enc


# Bytes no text page carries in any charset a portal uses (all ASCII-compatible): C0 controls
# other than tab, LF, FF, CR and ESC (hostile pages carry a stray ESC or BEL; that is text).
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\x0c\r\x1b")
_MAGIC = (
    (b"\x1f\x8b", "gzip 压缩数据"), (b"\x28\xb5\x2f\xfd", "zstd 压缩数据"), (b"PK\x03\x04", "zip 压缩包"),
    (b"%PDF-", "PDF 文件"), (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"),
)
SCAN = 65536  # bytes judged: binary data shows itself at once, a text page never does


def undecodable(body: bytes) -> str | None:
    """Why these bytes are no text in any charset (a Chinese reason), or None.

    A page is undecodable when it is binary: a compressed body sent without (or with a wrong)
    Content-Encoding, a file served as text/html, a UTF-16 body without BOM declared as an
    8-bit charset. Each shows as C0 control bytes, which GBK, GB18030, Big5 and UTF-8 text
    never contains; more than 1 % of the first 64 KB (and at least 8) settles it. A stray bad
    byte in a real page is not this: decode_html replaces it and the field reads as damaged."""
    head = body[:SCAN]
    if not head:
        return None
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"响应体是 {what}（未声明或声明错误的 Content-Encoding / Content-Type），不是网页文本"
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls < max(8, len(head) // 100):
        return None
    nul = head.count(0)
    if nul * 4 >= len(head):
        return f"响应体 {nul * 100 // len(head)}% 是 NUL 字节（像没有 BOM 的 UTF-16 或二进制数据），不是所声明字符集的文本"
    return f"响应体含 {controls * 100 // len(head)}% 的控制字节（二进制数据），不是网页文本"


def garbled(text: str, body: bytes) -> str | None:
    """After the best decoding: why the text is still mostly invalid bytes (a Chinese reason),
    or None. More than 2 % of the characters replaced (and at least 16): no candidate charset
    reads the page, so no field of it can be trusted, which is not a few damaged values."""
    sample = text[:SCAN]
    bad = sample.count("\ufffd") - body[: SCAN * 4].count(b"\xef\xbf\xbd")
    if bad >= 16 and bad * 50 > len(sample):
        return f"任何候选字符集都无法解码：{bad} 个无效字节序列（{bad * 100 // max(1, len(sample))}%）"
    return None
