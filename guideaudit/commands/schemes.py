"""`guideaudit schemes`: list, show and validate assessment schemes."""

from __future__ import annotations

import argparse

HELP = "考核方案：列出内置方案、查看方案的指标树与规则、校验方案文件"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="操作", required=True, parser_class=type(parser))
    sub.add_parser("list", help="列出内置方案")
    show = sub.add_parser("show", help="显示一个方案的指标树、分值、规则、适用条件和决定说明")
    show.add_argument("id", help="方案 id 或 YAML 文件路径")
    validate = sub.add_parser("validate", help="校验方案 YAML 文件，错误会指出文件、行号、指标和应当如何写")
    validate.add_argument("file", help="方案 YAML 文件")


def _rule_text(rule) -> str:
    from guideaudit.schemes.rules import KINDS

    params = {k: v for k, v in rule.params.items() if k != "whole_steps" or rule.kind in ("steps", "threshold_climb")}
    shown = "，".join(f"{k}={v}" for k, v in params.items())
    return f"{rule.kind}（{KINDS[rule.kind].label}）" + (f"：{shown}" if shown else "")


def show_text(scheme) -> str:
    from guideaudit.schemes.rules import fmt_num

    lines = [
        f"{scheme.id}：{scheme.name}",
        f"版本 {scheme.version}；满分 {fmt_num(scheme.full)}；汇总 {scheme.aggregate}；不适用处理 {scheme.not_applicable}",
        f"单位类型：{'、'.join(scheme.unit_types)}",
    ]
    if scheme.source_doc:
        lines.append(f"出处：{scheme.source_doc}")
    for t, names in scheme.units.items():
        lines.append(f"{t}（{len(names)}）：{'、'.join(names)}")
    if scheme.periods:
        lines.append("期间：" + " + ".join(f"{p.id} {fmt_num(p.weight * 100)}%" for p in scheme.periods))
    if scheme.methods:
        lines.append("考评方式：" + " + ".join(f"{m.id} {fmt_num(m.weight * 100)}%" for m in scheme.methods))
    for c in scheme.conditions.values():
        default = "默认是" if c.default else ("默认否" if c.default is False else "必须提供")
        lines.append(f"适用条件 {c.name}：输入“{c.input}”（是/否，{default}）")
    lines.append("")
    lines.append("指标：")

    def walk(node, depth):
        for child in node.children:
            pad = "  " * depth
            full = fmt_num(child.full) if child.full is not None else "—"
            if "weight" in child.meta:
                full += f"（权重 {child.meta['weight']}）"
            extra = []
            if child.penalty:
                extra.append("扣分项")
            if child.cap:
                extra.append("封顶")
            if child.aggregate != "sum":
                extra.append(child.aggregate)
            if child.applies_when:
                extra.append(f"适用条件 {child.applies_when}")
            if child.applies_to:
                extra.append(f"只考核 {'、'.join(child.applies_to)}")
            tag = f"  [{'，'.join(extra)}]" if extra else ""
            lines.append(f"{pad}{child.id}  {child.name}  满分 {full}{tag}")
            if child.is_leaf:
                src = f"指南指标 {'+'.join(child.source.guide)}" if child.source.guide else ""
                src = (src + "；" if src else "") + f"输入名 {child.source.input}"
                lines.append(f"{pad}    规则：{_rule_text(child.rule)}；{src}")
            if child.note:
                lines.append(f"{pad}    说明：{child.note}")
            walk(child, depth + 1)

    walk(scheme.root, 1)
    for block, title in ((scheme.bonus, "加分项"), (scheme.penalty, "减分项")):
        if block:
            cap = f"上限 {fmt_num(block.cap)}" if block.cap is not None else "不设总上限"
            lines.append(f"{title}（{cap}）：")
            for item in block.items:
                full = f"单项上限 {fmt_num(item.full)}" if item.full is not None else "单项不设上限"
                lines.append(f"  {item.id}  {item.name}  {full}；规则：{_rule_text(item.rule)}")
                if item.note:
                    lines.append(f"      说明：{item.note}")
    if scheme.grades:
        g = scheme.grades
        if g.by == "thresholds":
            bands = "，".join(f"≥{fmt_num(b.min)} {b.grade}" for b in g.bands)
        else:
            bands = "，".join(f"前 {fmt_num(b.share * 100)}% {b.grade}" for b in g.bands)
        lines.append(f"等次：{bands}，其余 {g.otherwise}")
    for o in scheme.overrides:
        lines.append(f"等次确定：输入“{o.input}”为是时，等次为{o.grade}（{o.label}）")
    if scheme.notes:
        lines.append("")
        lines.append("决定与说明：")
        lines.extend(f"  - {n}" for n in scheme.notes)
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from guideaudit.cli import UsageError
    from guideaudit.schemes import SchemeError, list_schemes, load_scheme, validate_scheme_file
    from guideaudit.schemes.rules import fmt_num

    try:
        if args.action == "list":
            for s in list_schemes():
                print(f"{s.id:<28} 版本 {s.version:<4} 满分 {fmt_num(s.full):<4} {len(s.leaves()):>3} 项指标  "
                      f"{'、'.join(s.unit_types)}  {s.name}")
        elif args.action == "show":
            print(show_text(load_scheme(args.id)), end="")
        else:
            s = validate_scheme_file(args.file)
            print(f"方案文件有效：{s.id}（{s.name}，版本 {s.version}，{len(s.leaves())} 项末级指标）")
    except SchemeError as err:
        raise UsageError(str(err)) from None
    return 0
