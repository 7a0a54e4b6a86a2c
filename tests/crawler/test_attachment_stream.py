"""The attachment size cap on a streamed GET (no declared size: HEAD refused, no
Content-Length), through real Scrapy over loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIG = b"%PDF-1.4\n" + b"x" * 400_000
SMALL = b"%PDF-1.4\n" + b"y" * 991
PAGE = b"<html><body>" + b"<p>guide</p>" * 4000 + b"</body></html>"

SCRIPT = r"""
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

base, out = sys.argv[1], sys.argv[2]
found = []

class Keep:
    def process_item(self, item):
        found.append(item)
        return item

class OneGuide(scrapy.Spider):
    name = "one"
    async def start(self):
        for i in range(3):
            yield scrapy.Request(f"{base}/page?{i}", callback=self.parse)
    def parse(self, response):
        yield {"kind": "guide", "record": {"materials": [
            {"blank_form": {"url": f"{base}/big"}, "sample_form": {"url": f"{base}/small"}}]}}

settings = Settings()
settings.setmodule("guideaudit.crawler.settings", priority="project")
settings.setdict({"ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                  "ATTACHMENT_MAXSIZE": 50_000, "LOG_LEVEL": "WARNING",
                  "ITEM_PIPELINES": {"guideaudit.crawler.pipelines.attachments.AttachmentPipeline": 100, Keep: 200}},
                 priority="cmdline")
process = CrawlerProcess(settings)
process.crawl(OneGuide)
process.start()
with open(out, "w") as f:
    json.dump([i["record"]["materials"][0] for i in found], f)
"""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # body ends when the connection closes: no declared size

    def log_message(self, *args) -> None:
        return

    def do_HEAD(self) -> None:  # noqa: N802
        self.send_response(405 if self.path == "/big" else 200)
        if self.path != "/big":
            self.send_header("Content-Length", str(len(SMALL)))
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        body = BIG if self.path == "/big" else SMALL if self.path == "/small" else PAGE
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if self.path.startswith("/page") else "application/pdf")
        self.end_headers()
        for start in range(0, len(body), 8192):
            try:
                self.wfile.write(body[start : start + 8192])
            except OSError:
                return  # the crawler stopped reading


def test_streamed_attachment_stops_at_the_cap_and_small_files_are_whole(tmp_path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out = tmp_path / "materials.json"
        base = f"http://127.0.0.1:{server.server_address[1]}"
        script = tmp_path / "crawl_one.py"  # a file: Scrapy reads the callback's source
        script.write_text(SCRIPT, "utf-8")
        proc = subprocess.run([sys.executable, str(script), base, str(out)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        materials = json.loads(out.read_text())
    finally:
        server.shutdown()
        server.server_close()
    assert len(materials) == 3
    for material in materials:
        big, small = material["blank_form"], material["sample_form"]
        assert big["error"] == "too_large" and big["status"] == 200 and big["kind"] == "pdf"
        assert 50_000 < big["bytes"] < len(BIG)  # stopped while streaming, what arrived kept
        assert small["error"] is None and small["bytes"] == len(SMALL) and small["kind"] == "pdf"
