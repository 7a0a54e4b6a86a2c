"""Every attachment outcome, produced by the real attachment pipeline over loopback, and the
verdict the checks must give it: the guide's fault is a broken form (fail); anything that only
says this sweep could not verify the file is 待核实, never a pass and never a defect."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from guideaudit.checks import check_guide

from guideaudit.record import GuideRecord

PDF = b"%PDF-1.4\n" + b"z" * 2000
CHALLENGE = b"<html><head><script>var arg1='3A1B';document.cookie='acw_sc__v2='+x;</script></head></html>"
ERROR_PAGE = b"<html><body><h1>\xe9\xa1\xb5\xe9\x9d\xa2\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</h1></body></html>"


def _bomb() -> bytes:
    """A docx-looking zip whose one entry claims 2 GiB: rejected from its directory alone."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * 300_000)
    data = bytearray(buf.getvalue())
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (2 << 30).to_bytes(4, "little")  # uncompressed size
    return bytes(data)


BOMB = _bomb()
BIG = b"%PDF-1.4\n" + b"x" * 120_000

# path → (status, headers, body); robots.txt forbids /blocked/.
ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /blocked/\n"),
    "/ok.pdf": (200, {"Content-Type": "application/pdf"}, PDF),
    "/blocked/form.doc": (200, {"Content-Type": "application/msword"}, PDF),
    "/missing.doc": (404, {"Content-Type": "text/html"}, ERROR_PAGE),
    "/page.doc": (200, {"Content-Type": "application/msword"}, ERROR_PAGE),
    "/empty.doc": (200, {"Content-Type": "application/msword"}, b""),
    "/bomb.docx": (200, {"Content-Type": "application/octet-stream"}, BOMB),
    "/big.pdf": (200, {"Content-Type": "application/pdf"}, BIG),
    "/challenge.doc": (200, {"Content-Type": "text/html"}, CHALLENGE),
    "/forbidden.doc": (403, {"Content-Type": "text/html"}, ERROR_PAGE),
    "/down.doc": (503, {"Content-Type": "text/html"}, ERROR_PAGE),
    "/moved.doc": (302, {"Location": "/ok.pdf"}, b""),
    "/loop.doc": (302, {"Location": "/loop.doc"}, b""),
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        return

    def _answer(self, body_too: bool) -> None:
        if self.path == "/slow.doc":
            time.sleep(12)  # far past ATTACHMENT_TIMEOUT, which itself leaves room for a loaded machine
        status, headers, body = ROUTES.get(self.path, (200, {"Content-Type": "text/html"}, b"<html>guide</html>"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body_too:
            try:
                self.wfile.write(body)
            except OSError:
                return

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(True)


SCRIPT = r"""
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

base, links, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
found = []

class Keep:
    def process_item(self, item):
        found.append(item)
        return item

class OneGuide(scrapy.Spider):
    name = "one"
    async def start(self):
        yield scrapy.Request(f"{base}/guide", callback=self.parse)
    def parse(self, response):
        yield {"kind": "guide", "record": {"materials": [
            {"name": f"申请表{i}", "source": "申请人自备", "originals": "1", "medium": "纸质",
             "blank_form": {"url": url}, "sample_form": {"url": f"{base}/ok.pdf"}}
            for i, url in enumerate(links)]}}

settings = Settings()
settings.setmodule("guideaudit.crawler.settings", priority="project")
settings.setdict({"ROBOTSTXT_OBEY": True, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                  "RETRY_TIMES": 0, "ATTACHMENT_MAXSIZE": 50_000, "ATTACHMENT_TIMEOUT": 4,
                  "LOG_LEVEL": "WARNING",
                  "ITEM_PIPELINES": {"guideaudit.crawler.pipelines.attachments.AttachmentPipeline": 100, Keep: 200}},
                 priority="cmdline")
process = CrawlerProcess(settings)
process.crawl(OneGuide)
process.start()
with open(out, "w") as f:
    json.dump(found[0]["record"]["materials"], f)
"""

# link → (error code the pipeline must record, E4-1 verdict)
EXPECTED = {
    "/ok.pdf": (None, "pass"),
    "/moved.doc": (None, "pass"),  # a 302 to the file is followed
    "/blocked/form.doc": ("forbidden_by_robots", "incomplete"),
    "SLOW": ("timeout", "incomplete"),
    "REFUSED": ("connection_refused", "incomplete"),
    "/big.pdf": ("too_large", "incomplete"),
    "/bomb.docx": ("archive_bomb", "incomplete"),
    "/challenge.doc": ("challenge", "incomplete"),
    "/forbidden.doc": (None, "incomplete"),  # 403: maybe an access rule, not a missing file
    "/down.doc": ("unavailable", "incomplete"),
    "/loop.doc": ("redirect_loop", "incomplete"),
    "/missing.doc": (None, "fail"),
    "/page.doc": (None, "fail"),  # an ordinary web page served in place of the form
    "/empty.doc": (None, "fail"),
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outcomes")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    # The slow file on a host of its own: a per-host download slot held by it must not delay
    # the other links into their own timeouts.
    slow = ThreadingHTTPServer(("127.0.0.2", 0), _Handler)
    for s in (server, slow):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    special = {
        "REFUSED": f"http://127.0.0.1:{_closed_port()}/form.doc",
        "SLOW": f"http://127.0.0.2:{slow.server_address[1]}/slow.doc",
    }
    links = [special.get(path, base + path) for path in EXPECTED]
    try:
        script = tmp / "crawl.py"
        script.write_text(SCRIPT, "utf-8")
        out = tmp / "materials.json"
        proc = subprocess.run([sys.executable, str(script), base, json.dumps(links), str(out)],
                              capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr[-3000:]
        materials = json.loads(out.read_text())
    finally:
        for s in (server, slow):
            s.shutdown()
            s.server_close()
    return dict(zip(EXPECTED, materials, strict=True))


@pytest.mark.parametrize("path", list(EXPECTED))
def test_attachment_outcome_and_its_verdict(fetched, path) -> None:
    error, verdict = EXPECTED[path]
    material = fetched[path]
    assert material["blank_form"]["error"] == error, material["blank_form"]
    record = GuideRecord(url="http://127.0.0.1/guide", item_name="测试事项", materials=[material])
    result = check_guide(record)
    assert result.elements["E4-1"] == verdict, (result.defects, result.unsure)
    if verdict == "incomplete":
        assert not [d for d in result.defects if d.element == "E4-1"]
        assert "未能核验" in result.reasons["E4-1"]
