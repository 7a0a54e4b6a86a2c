"""The pages extraction is measured on, and a digest of every record read from them.

Pages: the fixture portal's guide and list pages (all district layouts and charsets), the layout
family (every layout, held-out ones included, its list and block pages), the real 浙江 tab markup
and 广西 list page of fixtures/realdata/, and the saved pages of tests/crawler/pages/.

``records_digest`` hashes everything the extractor returns for each page (record, links, form
links, encoding, reason, block kind) so an optimisation can prove it changed no output:
`python -m bench.corpus` prints the digest; bench/records.sha256 holds the one every change must keep.
"""

from __future__ import annotations

import hashlib
import json
import sys
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIGEST_FILE = Path(__file__).resolve().parent / "records.sha256"
Page = tuple[bytes, str, str | None]  # body, url, declared charset


def portal_pages(n_guides: int) -> list[Page]:
    """Every HTML guide page and first list page of a fixture portal of n_guides."""
    from guideaudit.fixtures.portal import render_html
    from guideaudit.fixtures.portal.catalog import DISTRICTS
    from guideaudit.fixtures.portal.site import Site, html_detail_path, html_list_path

    site = Site(n_guides=n_guides, seed=2026)
    base = "http://127.0.0.1:8765"
    pages = []
    for key, guides in site.district_guides.items():
        charset = DISTRICTS[key].charset
        for g in guides:
            body = render_html.detail_page(g, key).encode(charset, "xmlcharrefreplace")
            pages.append((body, base + html_detail_path(key, g.gid), charset))
        listing = render_html.list_page(site, key, 1)
        pages.append((listing.encode(charset, "xmlcharrefreplace"), base + html_list_path(key, 1), charset))
    return pages


def layout_pages(per_layout: int = 20) -> list[Page]:
    from guideaudit.fixtures.layouts.family import Family

    family = Family(seed=7, per_layout=per_layout)
    out = []
    for path, (body, ctype) in sorted(family.pages.items()):
        if path.endswith(".txt"):
            continue
        declared = ctype.split("charset=", 1)[1] if "charset=" in ctype else None
        out.append((body, family.base_url + path, declared))
    return out


def real_pages() -> list[Page]:
    """Real portal markup: 浙江 tab fragments assembled as the portal shows them, 广西's list
    page, and the saved pages the extraction tests read."""
    real = REPO / "fixtures" / "realdata"
    out = []
    for g in json.loads((real / "zhejiang" / "zjzwfw_2018_shebao_tabs.json").read_text("utf-8")):
        title = g["事项标题"]
        tabs = "".join(f'<li class="tab-item">{escape(t["Head"])}</li>' for t in g["TabContents"])
        panes = "".join(f'<div class="tab-pane"><table>{t["Body"]}</table></div>' for t in g["TabContents"])
        page = (f"<html><head><title>{escape(title)}-浙江政务服务网</title></head><body><h1>{escape(title)}</h1>"
                f'<ul class="tabs">{tabs}</ul><div class="tab-content">{panes}</div></body></html>')
        out.append((page.encode("utf-8"), "http://www.zjzwfw.gov.cn/zjzw/item/detail/index.do", None))
    out.append(((real / "guangxi" / "gxzwfw_fcg_list_latest.html").read_bytes(),
                "https://zwfw.gxzf.gov.cn/eportal/ui?pageId=x", None))
    for path in sorted((REPO / "tests" / "crawler" / "pages").glob("*.html")):
        out.append((path.read_bytes(), f"http://127.0.0.1/pages/{path.name}", None))
    return out


def all_pages(n_guides: int = 1200) -> list[Page]:
    return portal_pages(n_guides) + layout_pages() + real_pages()


def records_digest(pages: list[Page], extract=None) -> tuple[str, int]:
    """(sha256 of every extraction output, pages that were guides). fetched_at is fixed, so the
    digest depends on nothing but the extractor."""
    from guideaudit.crawler.extract.pool import extract_job

    extract = extract or extract_job
    h = hashlib.sha256()
    guides = 0
    for body, url, declared in pages:
        out = extract(body, {"url": url, "declared_encoding": declared, "portal": "bench",
                             "fetched_at": "2026-01-01T00:00:00+00:00", "collect_links": True})
        guides += out[0] is not None
        h.update(json.dumps(out, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest(), guides


def expected_digest() -> str | None:
    try:
        return DIGEST_FILE.read_text("utf-8").split()[0]
    except (OSError, IndexError):
        return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pages = all_pages()
    digest, guides = records_digest(pages)
    expected = expected_digest()
    print(f"{len(pages)} 个页面，{guides} 个指南；摘要 {digest}"
          + ("" if expected is None else ("，与 records.sha256 相同" if digest == expected else f"，与 records.sha256（{expected}）不同！")))
    if "--write" in argv:
        DIGEST_FILE.write_text(f"{digest}  {len(pages)} pages, {guides} guides (bench/corpus.py)\n", "utf-8")
    return 0 if expected in (None, digest) or "--write" in argv else 1


if __name__ == "__main__":
    sys.exit(main())
