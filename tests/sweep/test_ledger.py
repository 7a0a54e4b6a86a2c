"""The sweep ledger over loopback: a small purpose-built server in front of the fixture portal
serves one URL per ledger kind (block pages, soft 404, empty 200, HTTP errors, a timeout, a
reset, a truncated body, an oversized page, a redirect loop, a redirect to a real guide, a
duplicate, robots.txt, a refused connection, a TLS failure, a stray invalid byte; on the API
family "系统繁忙", truncated and wrong-shape JSON, a challenge, a failing list page), and real
sweeps (`python -m guideaudit sweep` in a subprocess) of the html, api and js families must end
every URL in the state and kind expected, balance, charge no defect for a fault, and be
完成但不完整 (exit 4) where the faults exceed the threshold; export ledger, sweeps --detail and
the report show it. Real guides are the fixture portal's, proxied, so their defects are known.
"""

from __future__ import annotations

import csv
import json
import socket
import struct
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from guideaudit.store import Store

from .helpers import cli

SETTINGS = ["--set", "RETRY_TIMES=1", "--set", "DOWNLOAD_TIMEOUT=3", "--set", "DOWNLOAD_MAXSIZE=300000"]
PAGE_SIZE = 5

CHALLENGE = b"<html><head><script>var arg1='3A0F';document.cookie='acw_sc__v2='+arg1;location.reload();</script></head><body></body></html>"
WAF = "<html><head><title>访问被拦截</title></head><body><h1>您的访问被拦截</h1><p>Web应用防火墙检测到异常请求。</p></body></html>".encode()
LOGIN = '<html><head><title>统一身份认证</title></head><body><form><p>请先登录</p><input name="u"><input type="password" name="p"></form></body></html>'.encode()
BUSY = "<html><head><title>提示</title></head><body><p>系统繁忙，请稍后再试。</p></body></html>".encode()
SOFT404 = "<html><head><title>提示</title></head><body><p>您访问的页面不存在或已删除。</p></body></html>".encode()
ERROR = b"<html><head><title>HTTP Status 500 - Internal Server Error</title></head><body><h1>HTTP Status 500</h1><p>java.lang.NullPointerException</p></body></html>"
NAV = "<html><head><title>江海市政务服务网</title></head><body><p>导航页面</p></body></html>".encode()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Front(ThreadingHTTPServer):
    """The fault routes; everything a real guide needs (its page, its files, its API detail)
    is proxied to the fixture portal; other pages are small navigation pages."""

    daemon_threads = True

    def __init__(self, upstream: str, html_guides: list[str], api_ids: list[str]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream = upstream.rstrip("/")
        self.html_guides = html_guides  # paths (with query) of real guide pages
        self.api_ids = api_ids  # TASK_CODEs of real API guides
        self.refused_port = _closed_port()
        self.fixed = False  # after the first sweep: page 3 and the busy detail answer properly
        self.hits: dict[str, int] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address):  # resets and cut bodies are on purpose
        pass


class Handler(BaseHTTPRequestHandler):
    server: Front
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # --- plumbing ---------------------------------------------------------------------------
    def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, to: str) -> None:
        self.send(302, b"", headers={"Location": to})

    def proxy(self) -> None:
        req = urllib.request.Request(self.server.upstream + self.path, method=self.command)
        try:
            with urllib.request.urlopen(req, timeout=10) as got:
                body, status, ctype = got.read(), got.status, got.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            body, status, ctype = err.read(), err.code, err.headers.get("Content-Type", "")
        self.send(status, body, ctype)

    def reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def do_HEAD(self):
        self.do_GET()

    # --- html family ------------------------------------------------------------------------
    def do_GET(self):
        path = urlsplit(self.path).path
        srv = self.server
        srv.hits[path] = srv.hits.get(path, 0) + 1
        g = srv.html_guides
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/ledger/index.html":
            links = [
                g[0], g[1], g[2], "/r/moved.html", "/g/stray.html",
                "/b/challenge.html", "/b/waf.html", "/b/login.html", "/b/busy.html", "/b/soft404.html",
                "/b/error.html", "/b/empty.html",
                "/f/404.html", "/f/500.html", "/f/slow.html", "/f/reset.html", "/f/truncated.html", "/f/big.html",
                "/r/loop1.html", "/r/dup.html", "/r/refused.html", "/r/tls.html", "/private/secret.html",
                g[5] + "&a=1", g[5].replace("?", "?a=1&"),
            ]
            items = "".join(f'<li><a href="{u}">事项 {i}</a></li>' for i, u in enumerate(links))
            return self.send(200, f"<html><head><title>办事指南</title></head><body><ul>{items}</ul></body></html>".encode())
        if path == "/ledger/js.html":
            items = f'<li><a href="{g[0]}">事项</a></li><li><a href="/b/waf.html">事项</a></li>'
            return self.send(200, f"<html><head><title>办事指南</title></head><body><ul>{items}</ul></body></html>".encode())
        blocks = {"/b/challenge.html": CHALLENGE, "/b/waf.html": WAF, "/b/login.html": LOGIN, "/b/busy.html": BUSY,
                  "/b/soft404.html": SOFT404, "/b/error.html": ERROR, "/b/empty.html": b""}
        if path in blocks:
            return self.send(200, blocks[path])
        if path == "/f/404.html":
            return self.send(404, b"<html><body>not found</body></html>")
        if path == "/f/500.html":
            return self.send(500, b"<html><body>error</body></html>")
        if path == "/f/slow.html":
            time.sleep(5)
            return self.send(200, NAV)
        if path == "/f/reset.html":
            return self.reset()
        if path == "/f/truncated.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b"<html><body><p>" + b"x" * 200)
            self.wfile.flush()
            return self.reset()
        if path == "/f/big.html":
            return self.send(200, b"<html><body>" + b"<p>x</p>" * 60_000 + b"</body></html>")
        if path == "/r/loop1.html":
            return self.redirect("/r/loop2.html")
        if path == "/r/loop2.html":
            return self.redirect("/r/loop1.html")
        if path == "/r/moved.html":
            return self.redirect(g[3])
        if path == "/r/dup.html":
            return self.redirect(g[0])
        if path == "/r/refused.html":
            return self.redirect(f"http://127.0.0.1:{srv.refused_port}/x.html")
        if path == "/r/tls.html":
            return self.redirect(f"https://127.0.0.1:{srv.server_address[1]}/x.html")
        if path == "/g/stray.html":
            with urllib.request.urlopen(srv.upstream + g[4], timeout=10) as got:
                body = got.read()
            place = srv.html_truth[4].location.encode()
            at = body.index(place) + 3  # inside the 办理地点 text, after its first character
            return self.send(200, body[:at] + b"\xff" + body[at:])
        if path.startswith("/files/") or any(path == urlsplit(u).path for u in g):
            return self.proxy()
        if path.startswith("/portal/api/v2/item-event/"):
            return self.detail()
        return self.send(200, NAV)

    # --- API family -------------------------------------------------------------------------
    def do_POST(self):
        size = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(size) or b"{}")
        page = int(body.get("PAGENO", 1))
        srv = self.server
        ids = srv.api_ids
        pages = {
            1: [ids[0], ids[1], "BUSY", "TRUNC", "SHAPE"],
            2: ["CHALLENGE", "NOTFOUND", "E500", "EMPTY", ids[2]],
            3: ids[3:8],
        }
        if page == 3 and not srv.fixed:
            return self.send(200, json.dumps({"errCode": 500, "msg": "系统繁忙，请稍后再试"}, ensure_ascii=False).encode(),
                             "application/json")
        items = [{"TASK_CODE": i, "TASK_NAME": f"事项{i}", "DEPT_NAME": "江海市测试局" if not i[0].isdigit() else "江海市真实局"}
                 for i in pages.get(page, [])]
        answer = {"CUSTOM": {"AUDIT_ITEMLIST": items, "PAGEINFO": {"TOTALNUM": 15}}, "errCode": 0, "msg": "成功"}
        return self.send(200, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

    def detail(self):
        code = parse_qs(urlsplit(self.path).query).get("TASK_CODE", [""])[0]
        srv = self.server
        if code == "BUSY" and srv.fixed:
            self.path = self.path.replace("TASK_CODE=BUSY", f"TASK_CODE={srv.api_ids[8]}")
            return self.proxy()
        answers = {
            "BUSY": json.dumps({"errCode": 500, "msg": "系统繁忙，请稍后再试"}, ensure_ascii=False).encode(),
            "TRUNC": b'{"errCode":0,"msg":"\xe6\x88\x90\xe5\x8a\x9f","data":{"AUDIT_ITEM":{"TASK_CODE":"T',
            "SHAPE": json.dumps({"errCode": 0, "msg": "成功", "data": {"rows": [1, 2, 3]}}).encode(),
            "CHALLENGE": CHALLENGE,
            "NOTFOUND": json.dumps({"errCode": 0, "msg": "未找到匹配的信息"}, ensure_ascii=False).encode(),
            "EMPTY": b"",
        }
        if code == "E500":
            return self.send(500, b"{}", "application/json")
        if code in answers:
            return self.send(200, answers[code], "text/html" if code == "CHALLENGE" else "application/json")
        return self.proxy()


@pytest.fixture(scope="module")
def front(portal, truth):
    base = portal.base_url
    html = [g for g in truth if g.portal == "fixture-html" and "detail.html?itemId=" in (g.url or "")
            and g.location and len(g.location) > 4][:6]
    api = [g for g in truth if g.portal == "fixture-api"][:9]
    assert len(html) == 6 and len(api) == 9
    paths = [g.url[len(base):] for g in html]
    server = Front(base, paths, [g.id for g in api])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.html_truth = html
    server.api_truth = api
    yield server
    server.shutdown()
    server.server_close()


def _profile(tmp: Path, name: str, text: str) -> str:
    path = tmp / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def swept(front, tmp_path_factory):
    home = tmp_path_factory.mktemp("ledger-home")
    db = f"sqlite:///{home / 'ledger.sqlite3'}"
    html = cli(home, "sweep", "--url", front.base + "/ledger/index.html", "--db", db, *SETTINGS)
    api_profile = _profile(home, "ledger-api", (
        "extends: _gdzwfw-api\nname: ledger-api\ntitle: 台账测试（接口）\nfamily: api\n"
        f"api:\n  list:\n    page_size: {PAGE_SIZE}\n"
    ))
    api = cli(home, "sweep", api_profile, "--base-url", front.base, "--db", db, *SETTINGS)
    store = Store(db)
    sweeps = store.list_sweeps()
    yield {"home": home, "db": db, "store": store, "html": html, "api": api, "api_profile": api_profile,
           "html_sweep": sweeps[0], "api_sweep": sweeps[1]}
    store.close()


def _ledger(store, sweep_id) -> dict[str, dict]:
    rows = list(store.ledger(sweep_id))
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls))  # one row per URL
    return {r["url"]: r for r in rows}


def _balanced(sweep) -> dict:
    ledger = sweep.counts["ledger"]
    assert ledger["unaccounted"] == 0, ledger
    assert ledger["discovered"] == sum(ledger["states"].values()) == sum(ledger["kinds"].values()) == ledger["rows"]
    return ledger


def test_html_every_url_ends_in_its_kind(swept, front):
    proc, sweep, store = swept["html"], swept["html_sweep"], swept["store"]
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert sweep.status == "partial"
    rows = _ledger(store, sweep.id)
    b, g = front.base, front.html_guides
    expected = {
        "/ledger/index.html": "list_page",
        g[0]: "stored", g[1]: "stored", g[2]: "stored", "/r/moved.html": "stored", "/g/stray.html": "stored",
        "/b/challenge.html": "challenge", "/b/waf.html": "waf", "/b/login.html": "login", "/b/busy.html": "busy",
        "/b/soft404.html": "soft404", "/b/error.html": "error_page", "/b/empty.html": "empty",
        "/f/404.html": "http_status", "/f/500.html": "http_status", "/f/slow.html": "timeout", "/f/reset.html": "reset",
        "/f/truncated.html": "truncated", "/f/big.html": "too_large",
        "/r/loop1.html": "redirect_loop", "/r/dup.html": "duplicate", "/r/refused.html": "refused", "/r/tls.html": "tls",
        "/private/secret.html": "robots",
        g[5] + "&a=1": "stored", g[5].replace("?", "?a=1&"): "duplicate",
    }
    got = {path: rows.get(b + path, {}).get("kind") for path in expected}
    assert got == expected
    # every other URL is a page the guides link to (navigation, their list page, robots bait)
    others = {u: r["kind"] for u, r in rows.items() if u[len(b):] not in expected}
    assert others and set(others.values()) <= {"other_page", "list_page", "robots"}, others
    assert rows[b + "/f/404.html"]["status"] == 404 and rows[b + "/f/500.html"]["status"] == 500
    assert rows[b + "/b/waf.html"]["referer"] == b + "/ledger/index.html"
    # a redirect: the guide's URL is the final one, the ledger keeps the first
    moved = rows[b + "/r/moved.html"]
    assert moved["final_url"] == b + g[3] and moved["guide_id"] == front.html_truth[3].id
    assert "/r/loop1.html" in rows[b + "/r/loop1.html"]["detail"]
    # a duplicate names the URL it duplicates: their shared canonical form (query order aside)
    from w3lib.url import canonicalize_url

    assert rows[b + g[5].replace("?", "?a=1&")]["detail"] == f"与已发现的网址重复（规范化后同为 {canonicalize_url(b + g[5] + '&a=1')}）"
    ledger = _balanced(sweep)
    assert ledger["share"] > ledger["threshold"] == 0.02


def test_html_faults_charge_no_defect_and_stray_byte_keeps_the_guide(swept, front, portal):
    store, sweep = swept["store"], swept["html_sweep"]
    real = {g.id for g in front.html_truth}
    guides = {g.record.id: g for g in store.guides(sweep.id)}
    assert set(guides) == {g.id for i, g in enumerate(front.html_truth) if i != 5} | {front.html_truth[5].id}
    assert set(guides) <= real  # no block page, error page or fault became a guide
    seeded = portal.seeded_defects()
    stored = {(d.guide_id, d.rule) for g in guides.values() for d in g.defects}
    assert stored <= seeded, stored - seeded
    # the page with one 0xFF byte: stored, its damaged text marked, not lost or guessed
    stray = [r for r in store.ledger(sweep.id) if r["url"].endswith("/g/stray.html")][0]
    stored = guides[stray["guide_id"]]
    record, want = stored.record, front.html_truth[4]
    assert record.item_name == want.item_name
    assert "\ufffd" in record.location and record.location.replace("\ufffd", "") == want.location
    assert "办理地点" in stray["detail"] and "无法解码" in stray["detail"]  # the ledger says which field


def test_api_every_url_ends_in_its_kind(swept, front):
    proc, sweep, store = swept["api"], swept["api_sweep"], swept["store"]
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert sweep.status == "partial"
    assert "完成但不完整" in proc.stdout and "无法读取" in proc.stdout
    rows = _ledger(store, sweep.id)
    list_url = front.base + "/portal/api/v2/solr/getCommonAuditItem"
    detail = front.base + "/portal/api/v2/item-event/getAuditItemDetailCur?TASK_CODE="
    ids = front.api_ids
    expected = {
        f"{list_url}#page=1": "list_page", f"{list_url}#page=2": "list_page", f"{list_url}#page=3": "busy",
        detail + ids[0]: "stored", detail + ids[1]: "stored", detail + ids[2]: "stored",
        detail + "BUSY": "busy", detail + "TRUNC": "truncated", detail + "SHAPE": "bad_api",
        detail + "CHALLENGE": "challenge", detail + "NOTFOUND": "soft404", detail + "E500": "http_status",
        detail + "EMPTY": "empty",
    }
    assert {u: r["kind"] for u, r in rows.items()} == expected
    page3 = rows[f"{list_url}#page=3"]
    assert page3["role"] == "list" and page3["unknown"] == PAGE_SIZE  # 15 listed, 10 seen
    assert rows[detail + "SHAPE"]["agency"] == "江海市测试局" and rows[detail + "SHAPE"]["item_name"] == "事项SHAPE"
    ledger = _balanced(sweep)
    assert ledger["unknown"] == PAGE_SIZE
    # no nameless guide: only the three real ones, with their seeded defects at most
    guides = {g.record.id: g for g in store.guides(sweep.id)}
    assert set(guides) == set(ids[:3])
    assert sweep.counts["guides"] == 3


def test_api_resume_retries_what_could_not_be_read(swept, front):
    front.fixed = True
    try:
        before = swept["store"].retry_urls(swept["api_sweep"].id)
        assert any(u.endswith("#page=3") for u in before) and any(u.endswith("TASK_CODE=BUSY") for u in before)
        proc = cli(swept["home"], "sweep", swept["api_profile"], "--base-url", front.base, "--db", swept["db"],
                   "--resume", *SETTINGS)
    finally:
        front.fixed = False
    assert "只重抓上次无法读取的" in proc.stdout and "不重新遍历门户" in proc.stdout, proc.stdout + proc.stderr
    store = swept["store"]
    sweep = store.get_sweep(swept["api_sweep"].id)
    rows = _ledger(store, sweep.id)
    list_url = front.base + "/portal/api/v2/solr/getCommonAuditItem"
    detail = front.base + "/portal/api/v2/item-event/getAuditItemDetailCur?TASK_CODE="
    assert rows[f"{list_url}#page=3"]["kind"] == "list_page"
    assert rows[detail + "BUSY"]["kind"] == "stored" and rows[detail + "BUSY"]["guide_id"] == front.api_ids[8]
    for gid in front.api_ids[3:8]:  # the guides behind the page that failed
        assert rows[detail + gid]["kind"] == "stored"
    ledger = _balanced(sweep)
    assert ledger["unknown"] == 0
    # still partial: the truncated, wrong-shape, challenge, soft-404, 500 and empty answers stay
    assert proc.returncode == 4 and sweep.status == "partial"
    assert ledger["unread"] == 6


def test_export_ledger_jsonl_and_csv(swept, tmp_path):
    sweep = swept["html_sweep"]
    out = tmp_path / "ledger.jsonl"
    proc = cli(swept["home"], "export", "ledger", "--sweep", str(sweep.id), "--format", "jsonl", "--out", str(out),
               "--db", swept["db"])
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(lines) == sweep.counts["ledger"]["discovered"]
    assert all({"url", "state", "kind", "guide_id"} <= set(line) for line in lines)
    assert {line["state"] for line in lines} == {"guide", "not_guide", "failed", "skipped"}
    waf = [line for line in lines if line["url"].endswith("/b/waf.html")][0]
    assert (waf["state"], waf["kind"], waf["guide_id"]) == ("not_guide", "waf", None)
    out_csv = tmp_path / "ledger.csv"
    proc = cli(swept["home"], "export", "ledger", "--sweep", str(sweep.id), "--format", "csv", "--out", str(out_csv),
               "--db", swept["db"])
    with open(out_csv, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(lines) and rows[0].keys() >= {"url", "state", "kind", "guide_id"}


def test_sweeps_detail_lists_kinds_and_unread_pages(swept):
    sweep = swept["api_sweep"]
    proc = cli(swept["home"], "sweeps", "--detail", str(sweep.id), "--db", swept["db"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "完成但不完整" in out and "抓取台账" in out
    for kind in ("bad_api", "challenge", "soft404", "http_status", "empty", "stored", "list_page"):
        assert kind in out
    assert "江海市测试局" in out and "TASK_CODE=TRUNC" in out
    listing = cli(swept["home"], "sweeps", "--db", swept["db"])
    assert "完成但不完整" in listing.stdout


def test_report_shows_what_could_not_be_read(swept, tmp_path):
    sweep = swept["html_sweep"]
    out = tmp_path / "report"
    proc = cli(swept["home"], "report", "--sweep", str(sweep.id), "--db", swept["db"], "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    book = openpyxl.load_workbook(out / "缺陷清单.xlsx", read_only=True)
    assert "抓取情况" in book.sheetnames
    cells = [c for row in book["抓取情况"].iter_rows(values_only=True) for c in row if c]
    text = "\n".join(str(c) for c in cells)
    assert "完成但不完整" in text and "/f/reset.html" in text and "连接被重置" in text
    assert "本次抓取有" in text and "评分基于已读取的指南" in text
    html = (out / "报告.html").read_text("utf-8")
    assert 'id="crawl"' in html and "/b/challenge.html" in html and "人机验证" in html
    assert "评分基于已读取的指南" in html
    scores = openpyxl.load_workbook(out / "评分.xlsx", read_only=True)
    notes = "\n".join(str(c) for row in scores["说明"].iter_rows(values_only=True) for c in row if c)
    assert "评分基于已读取的指南" in notes


def test_a_sweep_within_the_threshold_is_complete(swept, front):
    """The same faults under a threshold they do not reach: 完成, exit 0, the ledger as full."""
    home = swept["home"]
    db = f"sqlite:///{home / 'lenient.sqlite3'}"
    proc = cli(home, "sweep", "--url", front.base + "/ledger/index.html", "--db", db, *SETTINGS,
               "--set", "GUIDEAUDIT_MAX_FAILURE_SHARE=0.9")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store = Store(db)
    try:
        sweep = store.list_sweeps()[-1]
        assert sweep.status == "complete" and sweep.unread_note is None
        assert _balanced(sweep)["kinds"]["redirect_loop"] == 1
    finally:
        store.close()


@pytest.mark.browser
def test_js_family_blocked_page_and_guide(front, tmp_path):
    from guideaudit.browser import BrowserNotFound, chromium_path

    try:
        chromium_path()
    except BrowserNotFound as err:
        pytest.skip(str(err))
    profile = _profile(tmp_path, "ledger-js", "name: ledger-js\ntitle: 台账测试（脚本）\nfamily: js\nstart_paths: [/ledger/js.html]\n")
    db = f"sqlite:///{tmp_path / 'js.sqlite3'}"
    proc = cli(tmp_path, "sweep", profile, "--base-url", front.base, "--db", db, *SETTINGS)
    store = Store(db)
    try:
        sweep = store.list_sweeps()[-1]
        rows = _ledger(store, sweep.id)
        b = front.base
        assert rows[b + "/ledger/js.html"]["kind"] == "list_page"
        assert rows[b + front.html_guides[0]]["kind"] == "stored"
        assert rows[b + "/b/waf.html"]["kind"] == "waf"
        assert {g.record.id for g in store.guides(sweep.id)} == {front.html_truth[0].id}
        _balanced(sweep)
        assert proc.returncode == 4 and sweep.status == "partial", proc.stdout + proc.stderr
    finally:
        store.close()


def test_a_ledger_that_does_not_balance_is_not_complete(tmp_path, monkeypatch):
    """A URL the crawl discovered that has no row in the store: the sweep is not 完成 (it is
    read back from the store, not taken from the crawl's own bookkeeping)."""
    from types import SimpleNamespace

    from guideaudit.crawler.keyset import KeySet
    from guideaudit.crawler.lifecycle import EXIT_FAILED, SweepSession
    from guideaudit.crawler.pipelines.check import build_entry

    from guideaudit.record import GuideRecord

    monkeypatch.setenv("GUIDEAUDIT_HOME", str(tmp_path))
    store = Store(f"sqlite:///{tmp_path / 'unbalanced.sqlite3'}")
    try:
        session = SweepSession(store, "unbalanced")
        session.acquire()
        sweep = session.open("http://127.0.0.1:9/", {}, None, {"unbalanced": []})
        store.save_guides(sweep.id, [build_entry(GuideRecord(id="g1", item_name="测试事项", url="http://127.0.0.1:9/g1"))])
        store.add_ledger(sweep.id, [{"url": "http://127.0.0.1:9/g1", "kind": "stored", "guide_id": "g1"}])
        # as a LedgerRecorder holds them: every key discovered (as digests), the unsettled ones open
        session.recorders.append(SimpleNamespace(discovered=KeySet(["http://127.0.0.1:9/g1", "http://127.0.0.1:9/lost"]),
                                                open={"http://127.0.0.1:9/lost": {}},
                                                wait_inflight=lambda timeout: None))
        session.state.close_reasons[1] = "finished"
        outcome = session.finish()
        assert outcome.exit_code == EXIT_FAILED and outcome.sweep.status == "incomplete"
        assert "台账不平" in outcome.message and "http://127.0.0.1:9/lost" in outcome.message
        ledger = outcome.sweep.counts["ledger"]
        assert ledger["discovered"] == 2 and ledger["unaccounted"] == 1 and ledger["rows"] == 1
        session.close()
    finally:
        store.close()
