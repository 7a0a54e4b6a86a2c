"""Peak memory of a sweep over big guide pages: bounded by settings, not by page size.

A loopback server (a process of its own, not measured) serves a list page linking to GUIDES real
guide pages (tests/crawler/pages/tdlabel.html, each with its own codes) padded to 4 or 8 MB with
what bloats real portal pages: an inline <script> of JSON data, an inline data: image and a
notice of plain paragraphs; plus OVERSIZE pages above the page cap. `guideaudit sweep
fixture-html` crawls it into a fresh SQLite store; the sampled RSS of its whole process tree
(crawl, store writer, extraction workers) gives the peak. Aim (issue 11): under 600 MB with 8 MB
pages; pages above the cap end as fetch failures (too_large), never as guides.

`python -m bench bigpage` (4 and 8 MB) or `python -m bench.bigpage_bench 8`.
Results in .bench/bigpage_bench.json.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.sweep_bench import _run_measured

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "tests" / "crawler" / "pages" / "tdlabel.html"
GUIDES = 40
OVERSIZE = 4
MB = 1024 * 1024
SIZES = (4, 8)


def padded_page(i: int, size: int) -> bytes:
    """Guide page i, padded to ``size`` bytes (the codes made unique, the padding real-looking)."""
    html = PAGE.read_text("utf-8")
    html = html.replace("11441703MB03610257444010022000101", f"11441703MB036102574440100220{i:05d}")
    html = html.replace("医疗机构执业登记（新办）", f"医疗机构执业登记（新办）第{i}号")
    head, tail = html.split('<div class="footer">', 1)
    room = max(size - len(html.encode()), 0)
    data = json.dumps([{"id": n, "name": f"办事指南目录项{n}", "dept": "江海市海港区卫生健康局", "url": f"/bszn/x{n}.html"}
                       for n in range(room // 3 // 110 + 1)], ensure_ascii=False)
    script = f"<script>var catalogue = {data};</script>"
    notice = "<div class=\"notice\">" + "<p>温馨提示：请申请人如实提交材料，对材料真实性负责；办理进度可在网上查询。</p>" * (room // 3 // 120 + 1) + "</div>"
    image_room = max(room - len(script.encode()) - len(notice.encode()) - 60, 0)
    image = f'<img alt="流程图" src="data:image/png;base64,{"iVBORw0KGgo" * (image_room // 11)}">'
    body = (head + script + notice + image + '<div class="footer">' + tail).encode("utf-8")
    return body


def serve(port_file: str, size_mb: float, oversize_mb: float) -> None:
    size, over = int(size_mb * MB), int(oversize_mb * MB)
    template = padded_page(0, size)  # one big body; each page swaps in its own codes
    over_template = padded_page(0, over)
    marker = b"11441703MB03610257444010022000000"
    links = "".join(f'<li><a href="/bszn/g{i}.html">指南{i}</a></li>' for i in range(1, GUIDES + 1))
    links += "".join(f'<li><a href="/bszn/huge{i}.html">超大指南{i}</a></li>' for i in range(1, OVERSIZE + 1))
    index = f"<html><head><meta charset='utf-8'><title>办事指南</title></head><body><ul>{links}</ul></body></html>".encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path
            if path == "/robots.txt":
                body = b"User-agent: *\nAllow: /\n"
            elif path == "/bszn/index.html":
                body = index
            elif path.startswith("/bszn/g") and path[7:-5].isdigit():
                body = template.replace(marker, f"11441703MB036102574440100220{int(path[7:-5]):05d}".encode(), 1)
            elif path.startswith("/bszn/huge"):
                body = over_template
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass  # the crawler cut a page above its cap

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


def _free_port_file() -> str:
    fd, path = tempfile.mkstemp(prefix="bigpage-port-")
    os.close(fd)
    os.unlink(path)
    return path


def run(size_mb: float, cap_mb: float | None, extra: list[str] | None = None) -> dict:
    port_file = _free_port_file()
    oversize = (cap_mb or 10) + 2
    server = subprocess.Popen([sys.executable, "-m", "bench.bigpage_bench", "--serve", port_file, str(size_mb), str(oversize)],
                              cwd=REPO)
    try:
        for _ in range(300):
            if Path(port_file).exists() and Path(port_file).read_text():
                break
            time.sleep(0.1)
        port = int(Path(port_file).read_text())
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.sqlite3"
            args = [str(REPO / ".venv" / "bin" / "guideaudit"), "sweep", "fixture-html", "--base-url",
                    f"http://127.0.0.1:{port}", "--db", f"sqlite:///{db}", "--set", "ATTACHMENT_CHECK_ENABLED=False"]
            if cap_mb:
                args += ["--set", f"GUIDEAUDIT_PAGE_MAXSIZE={int(cap_mb * MB)}"]
            args += extra or []
            env = {**os.environ, "GUIDEAUDIT_HOME": tmp}
            code, wall, _rss, tree_mb, out, cpu, _roles = _run_measured(args, env)
            con = sqlite3.connect(db)
            guides = con.execute("select count(*) from ga_sweep_guides").fetchone()[0] if _has(con, "ga_sweep_guides") else None
            failures = [r[0] for r in con.execute("select error from ga_fetch_failures")] if _has(con, "ga_fetch_failures") else []
            con.close()
    finally:
        server.terminate()
        server.wait()
        Path(port_file).unlink(missing_ok=True)
    return {"page_mb": size_mb, "cap_mb": cap_mb, "exit": code, "seconds": round(wall, 1), "peak_tree_mb": round(tree_mb),
            "guides_stored": guides, "failures": len(failures), "failure_kinds": sorted(set(f.split(":")[0] for f in failures if f)),
            "tail": out.strip().splitlines()[-3:]}


def _has(con, table: str) -> bool:
    return bool(con.execute("select 1 from sqlite_master where name=?", (table,)).fetchone())


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    sizes = [float(a) for a in argv if a.replace(".", "").isdigit()] or list(SIZES)
    extra = [a for a in argv if not a.replace(".", "").isdigit()]
    results = []
    for size in sizes:
        # 8 MB pages need a cap above the default (the case: cap 10 MB)
        cap = 10 if size > 5 else None
        result = run(size, cap, extra)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False))
    out = REPO / ".bench"
    out.mkdir(exist_ok=True)
    (out / "bigpage_bench.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    else:
        main()
