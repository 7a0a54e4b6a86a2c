"""`guideaudit probe URL [--pages N]`: onboard a portal nobody wrote a profile for.

Fetches the start page and a few guide pages politely (robots.txt obeyed, the crawler's
User-Agent, one request at a time with a delay), and prints in Chinese which links look like
guides, which fields each guide page showed (label text, structure, match score), which fields
are missing and which labels went to extra; then writes a draft profile YAML for `sweep` and,
when labels went unmatched, a draft labels file to fill in for `--labels`.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from guideaudit.text import safe_terminal

HELP = "试探一个新门户：抓取起始页和几个指南页，说明识别出的链接、字段和标签，并写出门户配置草稿"

_NAV_WORDS = frozenset("首页 上一页 下一页 尾页 末页 登录 注册 关于我们 联系我们 网站地图 更多 返回 返回首页 无障碍 长辈版 繁體 English".split())
_GUIDE_URL = re.compile(r"detail|guide|item|bszn|sxxq|xiangqing|itemcode|itemid|taskcode|matter|service|id=", re.I)
_LIST_TEXT = re.compile(r"办事指南|事项|部门|服务|列表|目录|清单")
_MAX_FETCHES = 40


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="门户的起始页（列表页或首页）")
    parser.add_argument("--pages", type=int, default=3, metavar="N", help="最多试抓的指南页数（默认 3）")
    parser.add_argument("--out", metavar="FILE", help="门户配置草稿写到哪里（默认：<主机名>.yaml）")
    parser.add_argument("--labels", metavar="FILE", help="自己的标签同义词 YAML（同 extract --labels）")
    parser.add_argument("--delay", type=float, default=1.0, help="两次请求之间的间隔秒数（默认 1）")
    parser.add_argument("--ignore-robots", action="store_true", help=argparse.SUPPRESS)  # never in tests


class _Fetcher:
    """One polite client: robots.txt, the crawler's User-Agent, a delay between requests."""

    def __init__(self, start: str, delay: float, obey_robots: bool = True) -> None:
        from urllib.robotparser import RobotFileParser

        from guideaudit.crawler.settings import ROBOTSTXT_USER_AGENT, USER_AGENT

        # The crawler's UA has Chinese in it: sent as its UTF-8 bytes, as Scrapy sends it.
        self.agent = USER_AGENT.encode("utf-8").decode("latin-1")
        self.robots_agent, self.delay = ROBOTSTXT_USER_AGENT, max(0.0, delay)
        self.count, self._last = 0, 0.0
        parts = urlsplit(start)
        self.robots = RobotFileParser()
        self.obey = obey_robots
        if obey_robots:
            body = self._get(f"{parts.scheme}://{parts.netloc}/robots.txt", check=False)
            self.robots.parse((body[0].decode("utf-8", "replace") if body and body[1] == 200 else "").splitlines())

    def allowed(self, url: str) -> bool:
        return not self.obey or self.robots.can_fetch(self.robots_agent, url)

    def _get(self, url: str, check: bool = True) -> tuple[bytes, int, str | None] | None:
        import urllib.error
        import urllib.request

        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()
        self.count += 1
        request = urllib.request.Request(url, headers={"User-Agent": self.agent})
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - http(s) only, checked
                body = resp.read(10 * 1024 * 1024)
                return body, resp.status, resp.headers.get_content_charset()
        except urllib.error.HTTPError as err:
            return err.read(1024 * 1024), err.code, None
        except (urllib.error.URLError, OSError, ValueError) as err:
            if check:
                print(f"  无法获取 {url}：{getattr(err, 'reason', err)}", file=sys.stderr)
            return None

    def get(self, url: str):
        if not self.allowed(url):
            print(f"  robots.txt 不允许抓取：{url}")
            return None
        return self._get(url)


def _link_score(url: str, text: str, host: str) -> int:
    from guideaudit.crawler.spiders.html import looks_like_document

    if urlsplit(url).netloc != host or looks_like_document(url):
        return 0
    text = text.strip()
    score = 0
    if _GUIDE_URL.search(url):
        score += 2
    if 4 <= len(text) <= 60 and re.search(r"[\u4e00-\u9fff]", text) and text not in _NAV_WORDS:
        score += 2
        if re.search(r"(申请|登记|许可|审批|办理|备案|变更|注销|证|核准|认定|补办|确认|给付|查询)", text):
            score += 2
    return score


def _anchors(body: bytes, url: str, encoding: str | None) -> list[tuple[str, str]]:
    from guideaudit.crawler.extract.context import resolve
    from guideaudit.crawler.extract.decode import decode_html
    from guideaudit.crawler.extract.page import parse_html
    from guideaudit.crawler.extract.text import element_text

    text, _ = decode_html(body, encoding)
    out, seen = [], set()
    for a in parse_html(text).iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
            continue
        link = resolve(url, href).split("#", 1)[0]
        if link not in seen:
            seen.add(link)
            out.append((link, element_text(a)))
    return out


def run(args: argparse.Namespace) -> int:
    from guideaudit.errors import UsageError

    from ..crawler.extract.blockpage import failure_text
    from ..crawler.extract.explain import SCALARS, explain_lines
    from ..crawler.extract.labels import default_labels, load_labels
    from ..crawler.extract.page import extract_bytes

    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"URL 应为 http(s):// 开头的网址，实际为 {args.url!r}")
    if args.pages < 1:
        raise UsageError(f"--pages 应为正整数，实际为 {args.pages}")
    try:
        labels = load_labels(args.labels) if args.labels else default_labels()
    except ValueError as err:
        raise UsageError(f"--labels {err}") from None
    host = parts.netloc
    fetcher = _Fetcher(args.url, args.delay, obey_robots=not args.ignore_robots)
    print(f"试探 {args.url}（每次请求间隔 {args.delay:g} 秒，遵守 robots.txt）")
    queue: list[tuple[int, str, str]] = [(99, args.url, "起始页")]
    visited: set[str] = set()
    guides: list[tuple[str, object]] = []
    guide_like: list[tuple[str, str]] = []
    encodings: dict[str, int] = {}
    while queue and len(guides) < args.pages and fetcher.count < _MAX_FETCHES:
        queue.sort(key=lambda item: -item[0])
        _, url, text = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        got = fetcher.get(url)
        if got is None:
            continue
        body, status, charset = got
        if status >= 400:
            print(f"  HTTP {status}：{url}")
            continue
        result, encoding = extract_bytes(body, url=url, declared_encoding=charset, labels=labels)
        if result.record is not None:
            guides.append((url, result))
            encodings[encoding] = encodings.get(encoding, 0) + 1
            continue
        if result.kind:
            print(f"  {failure_text(result.kind)}：{url}")
            continue
        # A list page: its guide-like links go first.
        for link, link_text in _anchors(body, url, charset):
            score = _link_score(link, link_text, host)
            if score >= 4:
                guide_like.append((link, link_text))
            if score and link not in visited:
                queue.append((score, link, link_text))
    print()
    unique_like = list(dict.fromkeys(guide_like))
    print(f"看起来像指南的链接：{len(unique_like)} 个" + ("（前 10 个）" if len(unique_like) > 10 else ""))
    for link, text in unique_like[:10]:
        print(f"  {text.strip()[:40]}  {link}")
    print(f"共请求 {fetcher.count} 次，识别出指南页 {len(guides)} 个。")
    extra_labels: dict[str, int] = {}
    field_pages: dict[str, int] = {}
    for url, result in guides:
        print()
        print(f"== 指南页：{url}")
        for line in explain_lines(result, labels):
            print(line)
        for f in result.sources:
            field_pages[f] = field_pages.get(f, 0) + 1
        for pair in result.pairs:
            if not pair.field and pair.label.rstrip("：: "):
                extra_labels[pair.label.rstrip("：: ")] = extra_labels.get(pair.label.rstrip("：: "), 0) + 1
    if guides:
        print()
        never = [labels.names.get(f, f) for f in SCALARS if f not in field_pages and f not in ("materials", "steps")]
        print("汇总：各页都没有识别出的字段：" + ("、".join(never) or "无"))
    out = Path(args.out or f"{host.replace(':', '_')}.yaml")
    _write_profile(out, args.url, encodings, extra_labels, len(guides))
    print(f"门户配置草稿：{out}（编辑后用 guideaudit sweep --url {args.url} 或 scrapy crawl generic -a profile={out}）")
    if extra_labels:
        labels_out = out.with_name(out.stem + ".labels.yaml")
        _write_labels(labels_out, extra_labels)
        print(f"标签同义词草稿：{labels_out}（把进入 extra 的标签填到对应字段下，用 --labels 传入）")
    return 0 if guides else 1


def _write_profile(path: Path, start: str, encodings: dict[str, int], extra: dict[str, int], n_guides: int) -> None:
    import yaml


    parts = urlsplit(start)
    name = re.sub(r"[^a-z0-9]+", "-", parts.netloc.lower()).strip("-") or "portal"
    path_q = parts.path + (f"?{parts.query}" if parts.query else "")
    data = {
        "name": name,
        "title": f"{parts.netloc}（probe 草稿）",
        "family": "html",
        "verified_live": False,
        "note": f"guideaudit probe 生成的草稿：试抓识别出 {n_guides} 个指南页；请核对后再用于 sweep。",
        "base_url": f"{parts.scheme}://{parts.netloc}",
        "start_paths": [path_q or "/"],
        "min_fields": 5,
    }
    enc = max(encodings, key=encodings.get) if encodings else None
    if enc and enc != "utf-8":
        data["encoding"] = enc
    text = "# guideaudit probe 生成的门户配置草稿（通用抽取，html 类）。\n" + yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False
    )
    from guideaudit.outfiles import write_text

    write_text(path, text)


def _write_labels(path: Path, extra: dict[str, int]) -> None:
    lines = ["# 这些标签没有对应到任何字段，已放入 extra。若某个标签其实是某字段，把它移到该字段下，",
             "# 例如  location: [办理窗口地址]；然后 guideaudit extract/probe --labels 本文件。", "fields: {}",
             "# 未匹配的标签（出现页数）："]
    # A portal's label stays inside its comment line: a newline in it would make YAML of the rest.
    lines += [f"#   {' '.join(safe_terminal(label).split())}: {count}"
              for label, count in sorted(extra.items(), key=lambda kv: -kv[1])]
    from guideaudit.errors import UsageError
    from guideaudit.outfiles import write_text

    try:
        write_text(path, "\n".join(lines) + "\n")
    except UsageError:
        pass
