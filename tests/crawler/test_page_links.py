"""page_links caches root-relative links per origin: the URLs must be exactly urljoin's."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin

from guideaudit.crawler.extract.context import links_of
from guideaudit.crawler.extract.page import page_links
from lxml import etree

BASES = ["http://127.0.0.1:8765/bszn/a/b.html?x=1#f", "https://h.example/a/", "HTTP://H:80/",
         "http://u:p@h/x;p?q", None, "", "file:///tmp/x.html"]
HREFS = ["/a", "/a/../b", "/./c", "/a?", "/a#f", "/a;p", "/a;", "//other/x", "/", "/a b", "/a?q=1&r=2#z",
         "/%2e%2e/x", "/a/..", "/a/.", "rel/x", "../y", "?q", "http://x/y?", "/文件.doc", "/..", "/a//b"]


def test_links_are_urljoins_of_the_page_url_whatever_the_base() -> None:
    html = "<html><body>" + "".join(f'<a href="{h}">x</a>' for h in HREFS) + "</body></html>"
    for base in BASES + BASES:  # twice: the second round reads the cache
        want: list[str] = []
        for href in HREFS:
            url = urldefrag(urljoin(base or "", href))[0]
            if url not in want:
                want.append(url)
        assert page_links(etree.HTML(html), base) == want, base


def test_form_links_resolve_like_urljoin() -> None:
    html = "<table><tr><td>" + "".join(f'<a href="{h}">空表</a>' for h in HREFS) + "</td></tr></table>"
    cell = etree.HTML(html).find(".//td")
    for base in BASES + BASES:
        got = links_of(cell, base)
        assert got == [(urljoin(base or "", href), "空表") for href in (h.strip() for h in HREFS)], base
