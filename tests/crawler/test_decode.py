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
