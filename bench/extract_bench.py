"""Extraction CPU per page: the extractor of a baseline commit against today's, same pages, same run.

The full sweep bench (bench/sweep_bench.py) takes many minutes on a shared 2-core machine; this
isolates what issue 10 may not slow down: `extract_bytes` on fixture-portal guide pages (all six
HTML layouts, their charsets) and on list pages. The baseline extractor is materialised from git
(`git show BASE:crawler/extract/…`) into a temporary package, so both run in one process on the
same bytes; runs alternate and the best of several is kept (other engineers load the machine).

`python -m bench extract` or `python -m bench.extract_bench [BASE_COMMIT] [--pages N]`.
Aim: new / old <= 1.2.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The extractor before issue 10 (one pairs.find_parts holding every layout heuristic).
BASE_COMMIT = "e595694"
OLD_FILES = ("__init__.py", "decode.py", "labels.py", "page.py", "pairs.py", "text.py")


def old_extractor(commit: str, where: Path):
    """The baseline crawler/extract as an importable package `_old_extract`."""
    pkg = where / "_old_extract"
    pkg.mkdir(parents=True, exist_ok=True)
    for name in OLD_FILES:
        text = subprocess.run(
            ["git", "show", f"{commit}:crawler/extract/{name}"], cwd=REPO, check=True,
            capture_output=True, text=True,
        ).stdout
        (pkg / name).write_text(text, "utf-8")
    labels = subprocess.run(
        ["git", "show", f"{commit}:crawler/labels.yaml"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    (pkg / "labels.yaml").write_text(labels, "utf-8")
    src = (pkg / "labels.py").read_text("utf-8")
    # Its own labels.yaml, not today's.
    src = src.replace(
        'resources.files("guideaudit.crawler").joinpath("labels.yaml").read_text("utf-8")',
        '(__import__("pathlib").Path(__file__).parent / "labels.yaml").read_text("utf-8")',
    )
    (pkg / "labels.py").write_text(src, "utf-8")
    sys.path.insert(0, str(where))
    return importlib.import_module("_old_extract.page")


def fixture_pages(n_guides: int) -> list[tuple[bytes, str, str]]:
    """(body, url, declared charset) for every HTML guide page and list page of a fixture portal."""
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


def _time(extract, pages, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for body, url, charset in pages:
            extract(body, url=url, declared_encoding=charset, collect_links=True)
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    commit = next((a for a in argv if not a.startswith("--") and not a.isdigit()), BASE_COMMIT)
    n = int(argv[argv.index("--pages") + 1]) if "--pages" in argv else 1200
    from guideaudit.crawler.extract.page import extract_bytes as new

    with tempfile.TemporaryDirectory() as tmp:
        old = old_extractor(commit, Path(tmp)).extract_bytes
        pages = fixture_pages(n)
        # Same records first: a faster extractor that reads differently is no comparison.
        same = sum(
            1 for body, url, cs in pages
            if (a := old(body, url=url, declared_encoding=cs)[0].record)
            == (b := new(body, url=url, declared_encoding=cs)[0].record)
            or (a and b and a.model_dump(exclude={"fetched_at"}) == b.model_dump(exclude={"fetched_at"}))
        )
        old_s = new_s = float("inf")
        for _ in range(6):  # alternate, keep the best of each (a shared machine)
            old_s = min(old_s, _time(old, pages, 1))
            new_s = min(new_s, _time(new, pages, 1))
    per_old, per_new = old_s / len(pages) * 1000, new_s / len(pages) * 1000
    out = {
        "pages": len(pages), "same_records": same, "old_ms_per_page": round(per_old, 3),
        "new_ms_per_page": round(per_new, 3), "ratio": round(new_s / old_s, 3), "baseline": commit,
    }
    print(
        f"抽取基准（{len(pages)} 个页面，基线 {commit}）：旧 {per_old:.3f} ms/页，新 {per_new:.3f} ms/页，"
        f"比值 {new_s / old_s:.2f}；记录相同 {same}/{len(pages)}"
    )
    return out


if __name__ == "__main__":
    main()
