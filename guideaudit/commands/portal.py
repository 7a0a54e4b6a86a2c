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
    truth.add_argument("--out", required=True, help="输出的 JSONL 文件")
    truth.add_argument(
        "--base-url",
        default=f"http://127.0.0.1:{DEFAULT_PORT}",
        help=f"记录中 URL 使用的门户地址（默认 http://127.0.0.1:{DEFAULT_PORT}，与 serve 默认一致）",
    )
    truth.add_argument("--defects", help="另把预置缺陷（指南 id、规则 id、要素判定）写成 JSONL 到此文件")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--guides", type=int, default=2400, help="指南数量（默认 2400）")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026；同一种子生成同一门户）")


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
    portal = FixturePortal(n_guides=args.guides, seed=args.seed, host=args.host, port=args.port)
    try:
        portal.start()
    except OSError as err:
        raise UsageError(f"无法监听 {args.host}:{args.port}：{err.strerror or err}") from None
    try:
        print(f"夹具政务服务网已启动：{portal.base_url}（{args.guides} 条指南，种子 {args.seed}）", flush=True)
        labels = {"html": "服务端渲染 HTML", "api": "JSON 接口（POST）", "js": "JavaScript 渲染"}
        for family, url in portal.start_urls.items():
            print(f"  {labels[family]}：{url}", flush=True)
        print("按 Ctrl-C 停止。", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("已停止。", flush=True)
        return 0
    finally:
        portal.stop()


def _truth(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.fixtures.portal.site import Site

    base = args.base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--base-url 应以 http:// 开头，实际为 {args.base_url}")
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        raise UsageError(f"--out 的目录不存在：{out.parent}")
    site = Site(args.guides, args.seed)
    with out.open("w", encoding="utf-8") as fh:
        for record in site.ground_truth(base):
            fh.write(record.to_json() + "\n")
    print(f"已写入 {len(site.guides)} 条真值记录：{out}")
    if args.defects:
        elements = site.expected_elements()
        by_guide: dict[str, list[str]] = {}
        for gid, rule in site.seeded_defects():
            by_guide.setdefault(gid, []).append(rule)
        with Path(args.defects).open("w", encoding="utf-8") as fh:
            for g in site.guides:
                row = {"id": g.gid, "rules": sorted(by_guide.get(g.gid, [])), "elements": elements[g.gid]}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"已写入预置缺陷与要素判定：{args.defects}")
    return 0
