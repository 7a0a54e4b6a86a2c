"""Memory bounded by settings, not page size: a page above GUIDEAUDIT_PAGE_MAXSIZE is cut off
while it streams in (with or without a Content-Length) and recorded as a fetch failure of kind
too_large, never as a guide; a page under the cap but over GUIDEAUDIT_RAW_MAXSIZE is a guide
whose stored evidence is truncated with a note. A real sweep over a loopback server."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from guideaudit.store import Store
from tests.sweep.helpers import cli

PAGE = Path(__file__).parent / "pages" / "tdlabel.html"
CODE = "11441703MB03610257444010022000101"
CAP = 1_000_000
RAW_CAP = 20_000


def _page(n: int, size: int) -> bytes:
    html = PAGE.read_text("utf-8").replace(CODE, f"{CODE[:-3]}{n:03d}")
    head, tail = html.split('<div class="footer">', 1)
    pad = "<p>温馨提示：请申请人如实提交材料，对材料真实性负责。</p>"
    count = max(size - len(html.encode()), 0) // len(pad.encode()) + 1
    return (head + pad * count + '<div class="footer">' + tail).encode()


PAGES = {
    "/bszn/g1.html": _page(1, 5_000),
    "/bszn/g2.html": _page(2, 8_000),
    "/bszn/medium.html": _page(3, 200_000),  # a guide; evidence truncated to RAW_CAP
    "/bszn/big-declared.html": _page(4, 3 * CAP),  # refused from its Content-Length
    "/bszn/big-streamed.html": _page(5, 3 * CAP),  # no Content-Length: cut mid-stream
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
        elif self.path == "/bszn/index.html":
            body = "".join(f'<a href="{p}">指南</a>' for p in PAGES).encode()
            body = b"<html><head><meta charset='utf-8'></head><body>" + body + b"</body></html>"
        elif self.path in PAGES:
            body = PAGES[self.path]
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if self.path != "/bszn/big-streamed.html":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for start in range(0, len(body), 64 * 1024):
                self.wfile.write(body[start:start + 64 * 1024])
        except OSError:
            pass  # the crawler hung up on a page above its cap


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_page_above_the_cap_is_a_too_large_failure_never_a_guide(server, tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'cap.sqlite3'}"
    done = cli(tmp_path, "sweep", "fixture-html", "--base-url", server, "--db", db,
               "--set", f"GUIDEAUDIT_PAGE_MAXSIZE={CAP}", "--set", f"GUIDEAUDIT_RAW_MAXSIZE={RAW_CAP}",
               "--set", "ATTACHMENT_CHECK_ENABLED=False")
    assert "Traceback" not in done.stderr, done.stderr
    store = Store(db)
    try:
        sweep = store.list_sweeps()[-1]
        urls = {g.record.url.rsplit("/", 1)[-1]: g for g in store.guides(sweep.id)}
        assert set(urls) == {"g1.html", "g2.html", "medium.html"}
        failures = {f["url"].rsplit("/", 1)[-1]: f for f in store.fetch_failures(sweep.id)}
        for name in ("big-declared.html", "big-streamed.html"):
            assert failures[name]["error"].startswith("too_large"), failures[name]
            assert str(CAP) in failures[name]["error"]
        # evidence: whole under the raw cap, else its head and a note
        small = store.raw_page(sweep.id, urls["g1.html"].record.id)
        assert small.body == PAGES["/bszn/g1.html"]
        medium = store.raw_page(sweep.id, urls["medium.html"].record.id)
        assert medium.body.startswith(PAGES["/bszn/medium.html"][:RAW_CAP])
        assert len(medium.body) < RAW_CAP + 300
        assert f"页面共 {len(PAGES['/bszn/medium.html'])} 字节".encode() in medium.body
        # the truncated evidence did not change what was read: the record is the whole page's
        assert urls["medium.html"].record.agency == "江海市海港区卫生健康局"
    finally:
        store.close()
