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
    template = sub.add_parser("template", help="写出指标文件模板（csv/xlsx）：方案需要的每个输入、每个单位一行，附名称、单位和可填写的值")
    template.add_argument("id", help="方案 id 或 YAML 文件路径")
    template.add_argument("--out", required=True, metavar="FILE", help="输出文件：.csv 或 .xlsx")


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


ACCEPTED = {
    "rate": "比率：0.85 或 85%",
    "number": "数值",
    "count": "非负整数",
    "bool": "是 / 否",
    "points": "得分（note 列须写明理由）",
    "multi_count": "非负整数（每项一行）",
    "multi_bool": "是 / 否（每项一行）",
}
# The hint columns must match none of schemes.inputs.HEADER_NAMES ("指标名称" would be read as the
# indicator column, "说明" as the note): the loader ignores them.
TEMPLATE_HEADERS = ("unit", "indicator", "value", "period", "method", "note",
                    "（参考）指标", "（参考）计量单位", "（参考）可填写的值", "（参考）来源")


def template_rows(scheme) -> list[list[str]]:
    """Every input the scheme needs, for every unit (and period): what score --metrics reads."""
    from guideaudit.schemes.rules import KINDS, rule_inputs

    units = [u for names in scheme.units.values() for u in names] or ["（单位名称）"]
    periods = [p.id for p in scheme.periods] or [""]
    leaves = [n for n in scheme.leaves() if n.source.input]
    items = [i for block in (scheme.bonus, scheme.penalty) if block for i in block.items if getattr(i, "input", None)]
    rows = []
    for unit in units:
        for node in [*leaves, *items]:
            kind = KINDS[node.rule.kind].figure if node.rule else ""
            hint = "可由抓取的指南计算；留空则用指南数据" if getattr(node.source, "guide", None) else ""
            if getattr(node, "unit", "") == "%" and kind in ("number", "rate"):
                kind = "rate"  # the engine reads a "%" figure as a rate
            # a multi-input rule is filled one input per row (the engine refuses the whole)
            inputs = (rule_inputs(node.rule) if node.rule else None) or [node.source.input]
            if len(inputs) > 1:
                kind = kind.replace("multi_", "")
            for name in inputs:
                for period in periods:
                    rows.append([unit, name, "", period, "", "", node.name, getattr(node, "unit", "") or "",
                                 ACCEPTED.get(kind, kind), hint])
    for c in scheme.conditions.values():
        for unit in units:
            rows.append([unit, c.input, "", "", "", "", c.name, "", "是 / 否", "适用条件"])
    return rows


def write_template(scheme, out: str) -> int:
    from pathlib import Path

    from guideaudit.errors import UsageError

    rows = template_rows(scheme)
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".xlsx":
            from guideaudit.outfiles import xlsx_workbook

            book = xlsx_workbook(path)
            ws = book.add_worksheet("指标")
            bold = book.add_format({"bold": True, "bg_color": "#DDE7F3"})
            for col, header in enumerate(TEMPLATE_HEADERS):
                ws.write_string(0, col, header, bold)
                ws.set_column(col, col, 22 if col >= 6 else 14)
            for r, row in enumerate(rows, start=1):
                for col, value in enumerate(row):
                    ws.write_string(r, col, str(value))
            ws.freeze_panes(1, 2)
            book.close()
        elif path.suffix.lower() == ".csv":
            from guideaudit.reports.csv import write_table

            write_table(path, TEMPLATE_HEADERS, rows)
        else:
            raise UsageError(f"--out {out}：应为 .csv 或 .xlsx 文件")
    except OSError as err:
        raise UsageError(f"{out}：无法写入（{err.strerror}）") from None
    return len(rows)


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
        elif args.action == "template":
            n = write_template(load_scheme(args.id), args.out)
            print(f"已写入指标文件模板 {args.out}：{n} 行；填写 value 列后用 guideaudit score --scheme {args.id} --metrics {args.out}")
        else:
            s = validate_scheme_file(args.file)
            print(f"方案文件有效：{s.id}（{s.name}，版本 {s.version}，{len(s.leaves())} 项末级指标）")
    except SchemeError as err:
        raise UsageError(str(err)) from None
    return 0
