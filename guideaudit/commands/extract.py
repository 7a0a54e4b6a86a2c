"""`guideaudit extract PAGE [--url URL] [--profile NAME] [--encoding ENC]`: one saved page → one
guide record as JSON on stdout, through exactly the code the spiders run."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "把一个保存的指南页面（HTML，或接口类门户的 JSON 响应）抽取为规范指南记录（JSON 输出）"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("page", metavar="PAGE", help="保存的页面文件（.html；接口类门户为详情接口的 .json 响应）")
    parser.add_argument("--url", help="页面的原始网址（用于补全相对链接和记录 url；默认为文件路径）")
    parser.add_argument(
        "--profile", help="门户配置名或 YAML 文件（默认：通用抽取，不需要门户配置）"
    )
    parser.add_argument("--encoding", help="强制使用的字符编码（如 gbk；默认自动识别）")
    parser.add_argument(
        "--part",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="接口类门户的其他接口响应（如 materials=getMaterialList.json），可多次给出",
    )
    parser.add_argument("--indent", type=int, default=2, help="JSON 缩进（0 为单行）")
    parser.add_argument(
        "--explain", action="store_true",
        help="不输出记录，改为说明识别过程：每个字段来自哪个标签、匹配分数、缺少的字段、进入 extra 的标签",
    )
    parser.add_argument("--labels", metavar="FILE", help="自己的标签同义词 YAML（格式同 crawler/labels.yaml 的 fields:/materials:/steps:）")


def run(args: argparse.Namespace) -> int:
    from guideaudit.errors import UsageError

    from ..crawler.extract.page import extract_bytes
    from ..crawler.profiles import ProfileError, load_profile
    from ..crawler.spiders.base import now_iso

    path = Path(args.page)
    try:
        body = path.read_bytes()
    except OSError as err:
        raise UsageError(f"{path}：无法读取：{err.strerror}") from None
    try:
        profile = load_profile(args.profile) if args.profile else None
    except ProfileError as err:
        raise UsageError(str(err)) from None
    url = args.url or path.resolve().as_uri()
    labels = None
    if args.labels:
        from ..crawler.extract.labels import load_labels

        try:
            labels = load_labels(args.labels)
        except ValueError as err:
            raise UsageError(f"--labels {err}") from None
    if profile is not None and profile.family == "api":
        record = _from_api(profile, path, body, url, args.part)
    else:
        try:
            result, _ = extract_bytes(
                body,
                url=url,
                encoding=args.encoding or (profile.encoding if profile else None),
                portal=profile.name if profile else None,
                fetched_at=now_iso(),
                min_fields=profile.min_fields if profile else 5,
                labels=labels,
            )
        except ValueError as err:  # an unknown --encoding
            raise UsageError(str(err)) from None
        if args.explain:
            from ..crawler.extract.blockpage import failure_text
            from ..crawler.extract.explain import explain_lines
            from ..crawler.extract.labels import default_labels

            print(f"页面：{path}（编码 {_}）")
            kind = failure_text(result.kind) if result.kind else None
            print("\n".join(explain_lines(result, labels or default_labels(), kind)))
            return 0 if result.record is not None else 1
        if result.record is None:
            print(f"错误：{path} 不是办事指南页面：{result.reason}", file=sys.stderr)
            if result.fields_found:
                print(f"识别出的字段：{', '.join(result.fields_found)}", file=sys.stderr)
            return 1
        record = result.record
    indent = args.indent or None
    from guideaudit.text import json_text

    print(json_text(record.model_dump(mode="json"), indent=indent))
    return 0


def _load_json(path: Path, body: bytes):
    from guideaudit.errors import UsageError

    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}：不是合法的 JSON：{err}") from None


def _from_api(profile, path: Path, body: bytes, url: str, parts: list[str]):
    from guideaudit.errors import UsageError

    from ..crawler.extract.jsonmap import map_record
    from ..crawler.spiders.api import not_a_guide
    from ..crawler.spiders.base import now_iso

    document = {"detail": _load_json(path, body)}
    for part in parts:
        name, sep, file = part.partition("=")
        if not sep or not name or not file:
            raise UsageError(f"--part 应为 NAME=FILE，实际为 {part!r}")
        part_path = Path(file)
        try:
            document[name] = _load_json(part_path, part_path.read_bytes())
        except OSError as err:
            raise UsageError(f"{part_path}：无法读取：{err.strerror}") from None
    why = not_a_guide(profile.api.detail, document["detail"])
    if why:
        raise UsageError(f"{path} 不是办事指南（{why}）")
    return map_record(profile.api.record, document, api_url=url, url=url, portal=profile.name,
                      fetched_at=now_iso(), uncaptured=profile.capture_gaps())
