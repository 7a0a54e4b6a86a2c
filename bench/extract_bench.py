"""Extraction CPU per page: the extractor of a baseline commit against today's, same pages, same run.

The full sweep bench (bench/sweep_bench.py) takes many minutes on a shared 2-core machine; this
isolates the extraction: `extract_bytes` on the pages of bench/corpus.py (fixture-portal guide and
list pages in all district layouts and charsets, the layout family, real 浙江/广西 markup, the
saved test pages). The baseline extractor is materialised from git (`git show
BASE:crawler/extract/…`) into a temporary package, so both run in one process on the same bytes;
runs alternate and the best of several is kept (other engineers load the machine).

Outputs are compared first: records (fetched_at aside) and, when the baseline has the same
worker API (pool.extract_job), everything a page yields (record, links, form links, encoding,
reason, block kind). Today's outputs are also hashed against bench/records.sha256, the digest
every optimisation must keep (bench/corpus.py).

`python -m bench extract` or `python -m bench.extract_bench [BASE_COMMIT] [--pages N]`.
Aim: new / old <= 1.2 against e595694 (issue 10); an optimisation shows new / old < 1 against
its parent commit with every output the same.
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
    """The baseline crawler/extract as an importable package `_old_extract` (its page module)."""
    pkg = where / "_old_extract"
    pkg.mkdir(parents=True, exist_ok=True)
    listed = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", commit, "crawler/extract/"], cwd=REPO, check=True,
        capture_output=True, text=True,
    ).stdout.split()
    names = [n[len("crawler/extract/"):] for n in listed if n.endswith(".py")] or list(OLD_FILES)
    for name in names:
        text = subprocess.run(
            ["git", "show", f"{commit}:crawler/extract/{name}"], cwd=REPO, check=True,
            capture_output=True, text=True,
        ).stdout
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
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


def _time(extract, pages, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for body, url, charset in pages:
            extract(body, url=url, declared_encoding=charset, collect_links=True)
        best = min(best, time.process_time() - start)
    return best


def _outputs_equal(old_job, new_job, pages) -> int:
    """Pages whose whole extraction output (extract_job: record, links, form links, encoding,
    reason, block kind) is the same under both extractors."""
    same = 0
    for body, url, cs in pages:
        args = {"url": url, "declared_encoding": cs, "fetched_at": "2026-01-01T00:00:00+00:00", "collect_links": True}
        same += old_job(body, dict(args)) == new_job(body, dict(args))
    return same


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    commit = next((a for a in argv if not a.startswith("--") and not a.isdigit()), BASE_COMMIT)
    n = int(argv[argv.index("--pages") + 1]) if "--pages" in argv else 1200
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 6
    from guideaudit.crawler.extract.page import extract_bytes as new
    from guideaudit.crawler.extract.pool import extract_job as new_job

    from bench.corpus import all_pages, expected_digest, records_digest

    with tempfile.TemporaryDirectory() as tmp:
        old = old_extractor(commit, Path(tmp)).extract_bytes
        pages = all_pages(n)
        # Same records first: a faster extractor that reads differently is no comparison.
        same = sum(
            1 for body, url, cs in pages
            if (a := old(body, url=url, declared_encoding=cs)[0].record)
            == (b := new(body, url=url, declared_encoding=cs)[0].record)
            or (a and b and a.model_dump(exclude={"fetched_at"}) == b.model_dump(exclude={"fetched_at"}))
        )
        try:
            old_job = importlib.import_module("_old_extract.pool").extract_job
        except ImportError:
            old_job = None
        same_out = _outputs_equal(old_job, new_job, pages) if old_job else None
        old_s = new_s = float("inf")
        for _ in range(rounds):  # alternate, keep the best of each (a shared machine)
            old_s = min(old_s, _time(old, pages, 1))
            new_s = min(new_s, _time(new, pages, 1))
    digest, _guides = records_digest(pages) if n == 1200 else (None, 0)
    per_old, per_new = old_s / len(pages) * 1000, new_s / len(pages) * 1000
    out = {
        "pages": len(pages), "same_records": same, "same_outputs": same_out, "old_ms_per_page": round(per_old, 3),
        "new_ms_per_page": round(per_new, 3), "ratio": round(new_s / old_s, 3), "baseline": commit,
        "digest_kept": None if digest is None else digest == expected_digest(),
    }
    print(
        f"抽取基准（{len(pages)} 个页面，基线 {commit}）：旧 {per_old:.3f} ms/页，新 {per_new:.3f} ms/页，"
        f"比值 {new_s / old_s:.2f}；记录相同 {same}/{len(pages)}"
        + (f"，全部输出相同 {same_out}/{len(pages)}" if same_out is not None else "")
        + ("" if digest is None else ("；输出摘要与 bench/records.sha256 相同" if out["digest_kept"]
                                      else "；输出摘要与 bench/records.sha256 不同！"))
    )
    return out


if __name__ == "__main__":
    main()
