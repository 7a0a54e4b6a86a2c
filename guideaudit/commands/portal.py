"""`guideaudit portal serve|truth`: the fixture 政务服务网 on loopback, and its ground truth."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

HELP = "在本机回环地址上运行夹具政务服务网（serve），或导出其真值记录（truth）"

DEFAULT_PORT = 8765


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"端口应为 0–65535 的整数，实际为 {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"端口应为 0–65535 的整数，实际为 {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="portal_action", metavar="操作")
    serve = sub.add_parser("serve", help="启动夹具门户，按 Ctrl-C 停止", description="启动夹具门户，按 Ctrl-C 停止")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址，只允许回环地址（默认 127.0.0.1）")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"端口（默认 {DEFAULT_PORT}；0 表示任选空闲端口）")
    _common(serve)
    truth = sub.add_parser("truth", help="把真值记录写成 JSONL", description="把真值记录写成 JSONL（每行一条指南记录）")
    _common(truth)
    truth.add_argument("--out", help="输出的 JSONL 文件（指南记录；有 --ledger 时可省略）")
    truth.add_argument("--ledger", help="故障模式：把每个故障网址在抓取账本中应有的状态和类型写成 JSONL 到此文件")
    truth.add_argument("--timeout", type=float, help="--ledger：被评判的抓取的超时秒数（默认取爬虫设置 DOWNLOAD_TIMEOUT）")
    truth.add_argument("--page-cap-mb", type=float, help="--ledger：页面大小上限 MB（默认取爬虫设置 GUIDEAUDIT_PAGE_MAXSIZE）")
    truth.add_argument("--attachment-cap-mb", type=float, help="--ledger：附件大小上限 MB（默认取爬虫设置 ATTACHMENT_MAXSIZE）")
    truth.add_argument(
        "--base-url",
        default=f"http://127.0.0.1:{DEFAULT_PORT}",
        help=f"记录中 URL 使用的门户地址（默认 http://127.0.0.1:{DEFAULT_PORT}，与 serve 默认一致）",
    )
    truth.add_argument("--defects", help="另把预置缺陷（指南 id、规则 id、要素判定）写成 JSONL 到此文件")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--guides", type=int, default=2400, help="指南数量（默认 2400）")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026；同一种子生成同一门户）")
    parser.add_argument(
        "--faults", metavar="SPEC",
        help="故障模式：预设名（hostile、mild）或 YAML 故障规格文件；同一种子和规格注入同样的故障（见 fixtures/portal/FORMAT.md）",
    )


def _spec(args: argparse.Namespace):
    """The fault spec of --faults; a bad one is a usage error (exit 2) naming file, line, key."""
    from guideaudit.cli import UsageError
    from guideaudit.fixtures.portal.faults import FaultSpecError, load_spec

    try:
        return load_spec(args.faults)
    except FaultSpecError as err:
        raise UsageError(f"--faults {err}") from None
    except OSError as err:
        raise UsageError(f"--faults 无法读取 {args.faults}：{err.strerror or err}") from None


def _plan(args: argparse.Namespace, site):
    """The fault plan of --faults over ``site``, or None."""
    from guideaudit.fixtures.portal.faults import FaultPlan

    return FaultPlan(site, _spec(args)) if args.faults else None


def run(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError

    if args.portal_action is None:
        raise UsageError("请指定操作：guideaudit portal serve 或 guideaudit portal truth --out FILE")
    if args.guides < 1:
        raise UsageError(f"--guides 应为正整数，实际为 {args.guides}")
    if args.portal_action == "serve":
        return _serve(args)
    return _truth(args)


def _serve(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.fixtures.portal import FixturePortal
    from guideaudit.fixtures.portal.server import ensure_loopback

    try:
        ensure_loopback(args.host)
    except ValueError as err:
        raise UsageError(f"--host：{err}") from None
    spec = _spec(args) if args.faults else None  # a bad spec fails before anything starts
    portal = FixturePortal(n_guides=args.guides, seed=args.seed, host=args.host, port=args.port, faults=spec)
    try:
        portal.start()
    except OSError as err:
        raise UsageError(f"无法监听 {args.host}:{args.port}：{err.strerror or err}") from None
    try:
        print(f"夹具政务服务网已启动：{portal.base_url}（{args.guides} 条指南，种子 {args.seed}）", flush=True)
        if portal.faults is not None:
            from collections import Counter

            counts = Counter(f.kind for f in portal.faults.faults)
            print(f"  故障模式 {portal.faults.spec.name}：{len(portal.faults.faults)} 个网址注入故障（"
                  + "，".join(f"{k} {n}" for k, n in counts.items()) + "）", flush=True)
        labels = {"html": "服务端渲染 HTML", "api": "JSON 接口（POST）", "js": "JavaScript 渲染"}
        for family, url in portal.start_urls.items():
            print(f"  {labels[family]}：{url}", flush=True)
        print("按 Ctrl-C 停止。", flush=True)
        _stop_on_signals()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        portal.stop()  # bounded (PortalServer.stop): hanging answers and open connections are cut
        print("已停止。", flush=True)
        return 0
    finally:
        portal.stop()


def _stop_on_signals() -> None:
    """SIGINT (Ctrl-C) and SIGTERM (a service manager, `kill`) stop the server. SIGINT is set
    explicitly: a process started with it ignored (a background job of a non-interactive shell,
    a CI runner) inherits SIG_IGN, Python then installs no KeyboardInterrupt for it, and the
    server said "按 Ctrl-C 停止" yet never stopped on SIGINT."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return  # signals reach the main thread only (an in-process call from a thread)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _truth(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.fixtures.portal.site import Site

    base = args.base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--base-url 应以 http:// 开头，实际为 {args.base_url}")
    if not args.out and not args.ledger:
        raise UsageError("请指定 --out FILE（真值记录）或 --ledger FILE（故障模式的账本真值）")
    if args.ledger and not args.faults:
        raise UsageError("--ledger 需要 --faults SPEC（没有故障时每个指南都应保存）")
    for option, value in (("--out", args.out), ("--ledger", args.ledger), ("--defects", args.defects)):
        if value:
            target = Path(value)
            if target.is_dir():
                raise UsageError(f"{option} {value} 是目录，应为文件")
            if not target.parent.exists():
                raise UsageError(f"{option} 的目录不存在：{target.parent}")
    site = Site(args.guides, args.seed)
    plan = _plan(args, site)  # hostile content is published into the site's guides here
    caps = _caps(args) if plan else {}
    if args.ledger:
        try:
            rows = plan.ledger_truth(base, **caps)
        except ValueError as err:
            raise UsageError(f"--faults {args.faults}：{err}") from None
        _write_lines(Path(args.ledger), (json.dumps(r, ensure_ascii=False) for r in rows))
        print(f"已写入 {len(rows)} 个故障网址的账本真值：{args.ledger}"
              f"（另有 {len(plan.unreachable())} 条指南在失败的列表页之后，无法到达）")
    if args.out:
        _write_lines(Path(args.out), (record.to_json() for record in site.ground_truth(base)))
        print(f"已写入 {len(site.guides)} 条真值记录：{args.out}")
    if args.defects:
        # With faults: only the guides a sweep can store, their defects unchanged (none for a
        # fault) and their 待核实 elements (damaged fields, unverifiable attachments).
        elements = plan.expected_elements(**caps) if plan else site.expected_elements()
        defects = plan.expected_defects(**caps) if plan else site.seeded_defects()
        by_guide: dict[str, list[str]] = {}
        for gid, rule in defects:
            by_guide.setdefault(gid, []).append(rule)
        rows = (
            json.dumps({"id": g.gid, "rules": sorted(by_guide.get(g.gid, [])), "elements": elements[g.gid]}, ensure_ascii=False)
            for g in site.guides if g.gid in elements
        )
        _write_lines(Path(args.defects), rows)
        print(f"已写入预置缺陷与要素判定：{args.defects}")
    return 0


def _caps(args: argparse.Namespace) -> dict:
    """The sweep the ledger truth describes: its timeout and size caps (the crawler's defaults)."""
    from guideaudit.cli import UsageError
    from guideaudit.crawler import settings

    caps = {
        "timeout": args.timeout if args.timeout is not None else float(settings.DOWNLOAD_TIMEOUT),
        "page_cap": int(args.page_cap_mb * 1024 * 1024) if args.page_cap_mb is not None else settings.GUIDEAUDIT_PAGE_MAXSIZE,
        "attachment_cap": (
            int(args.attachment_cap_mb * 1024 * 1024) if args.attachment_cap_mb is not None else settings.ATTACHMENT_MAXSIZE
        ),
    }
    for option, value in (("--timeout", caps["timeout"]), ("--page-cap-mb", caps["page_cap"]),
                          ("--attachment-cap-mb", caps["attachment_cap"])):
        if not value > 0:
            raise UsageError(f"{option} 应为正数，实际为 {value}")
    return caps


def _write_lines(path: Path, lines) -> None:
    """Write whole or not at all: a temporary file renamed into place."""
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
    tmp.replace(path)
