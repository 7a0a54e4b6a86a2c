"""Page bytes → text whatever the server declared."""

from __future__ import annotations

import pytest
from guideaudit.crawler.extract.decode import decode_html

TEXT = "<html><body><p>事项名称：食品经营许可（新办）</p></body></html>"


def test_utf8_page_with_a_gbk_header_is_read_as_utf8() -> None:
    text, enc = decode_html(TEXT.encode("utf-8"), declared="gbk")
    assert text == TEXT and enc == "utf-8"


def test_gbk_page_with_a_utf8_header_is_read_as_gbk() -> None:
    text, enc = decode_html(TEXT.encode("gbk"), declared="utf-8")
    assert text == TEXT and enc == "gb18030"


def test_meta_charset_is_used_when_no_header() -> None:
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>办事指南</body></html>'
    text, enc = decode_html(page.encode("gbk"))
    assert "办事指南" in text and enc == "gb18030"


def test_no_declaration_at_all_uses_detection() -> None:
    page = ("<html><body>" + "政务服务事项办事指南，申请材料，承诺办结时限，办理地点。" * 20 + "</body></html>").encode("gb18030")
    text, _ = decode_html(page)
    assert "承诺办结时限" in text


def test_forced_encoding_and_unknown_encoding() -> None:
    assert decode_html(TEXT.encode("gbk"), override="gbk")[0] == TEXT
    with pytest.raises(ValueError, match="未知的字符编码"):
        decode_html(b"x", override="klingon-8")


def test_utf8_page_with_one_stray_byte_keeps_its_text() -> None:
    """One 0xFF in a UTF-8 page: that byte becomes U+FFFD (damaged, 待核实 where it lands), the
    rest of the page is read as written instead of being guessed into another charset."""
    page = ("<html><body>" + "<p>事项名称：食品经营许可（新办）</p>" * 5 + "</body></html>").encode("utf-8")
    cut = page.index("许可".encode()) + 3
    broken = page[:cut] + b"\xff" + page[cut:]
    for declared in ("utf-8", None, "iso-8859-1"):
        text, enc = decode_html(broken, declared=declared)
        assert enc == "utf-8"
        assert text.count("\ufffd") == 1 and text.replace("\ufffd", "") == page.decode("utf-8")


def test_gbk_page_is_not_taken_for_damaged_utf8() -> None:
    page = ("<html><body>" + "政务服务事项办事指南，申请材料，承诺办结时限。" * 10 + "</body></html>").encode("gbk")
    text, enc = decode_html(page, declared="utf-8")
    assert enc == "gb18030" and "承诺办结时限" in text


GUIDE = ("<html><head><title>办事指南</title></head><body>" + "<p>事项名称：食品经营许可（新办）。办理地点：政务服务中心一楼。</p>" * 40
         + "</body></html>")


@pytest.mark.parametrize("shape", ["gzip", "zlib", "utf-16-le", "utf-16-be", "random", "pdf"])
def test_binary_bodies_are_undecodable(shape: str) -> None:
    """Bytes no charset reads (ledger: 无法解码), never a guide read as mojibake."""
    import gzip
    import random
    import zlib

    from guideaudit.crawler.extract.decode import undecodable
    from guideaudit.crawler.extract.page import extract_bytes

    body = {
        "gzip": lambda: gzip.compress(GUIDE.encode("gbk")),
        "zlib": lambda: zlib.compress(GUIDE.encode("utf-8")),
        "utf-16-le": lambda: GUIDE.encode("utf-16-le"),
        "utf-16-be": lambda: GUIDE.encode("utf-16-be"),
        "random": lambda: random.Random(7).randbytes(5000),
        "pdf": lambda: b"%PDF-1.7\n" + random.Random(8).randbytes(3000),
    }[shape]()
    assert undecodable(body)
    result, _ = extract_bytes(body, declared_encoding="gbk", url="http://127.0.0.1/g")
    assert result.record is None and result.kind == "undecodable" and result.reason


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_real_pages_with_a_stray_byte_or_control_characters_are_text(charset: str) -> None:
    """A stray 0xFF and a hostile BEL/ESC are damage inside a page, not an undecodable page."""
    from guideaudit.crawler.extract.decode import garbled, undecodable

    body = GUIDE.replace("政务", "政\x07\x1b务", 1).encode(charset)
    cut = body.index(b"<p>", 200)  # between characters, as a byte flipped in transit lands
    body = body[:cut] + b"\xff" + body[cut:]
    assert undecodable(body) is None
    text, _ = decode_html(body, declared=charset)
    assert garbled(text, body) is None and "办理地点" in text


def test_mostly_invalid_bytes_in_every_charset_are_garbled() -> None:
    from guideaudit.crawler.extract.decode import garbled

    body = b"<html><body>" + b"\xff\xfe\x80" * 400 + b"</body></html>"
    text, _ = decode_html(body, declared="gbk")
    assert garbled(text, body)
