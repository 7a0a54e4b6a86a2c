"""E2-1 材料来源, E2-2 数量要求, E2-3 介质要求: one verdict per material."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, blank, locus
from guideaudit.checks.parse.common import norm
from guideaudit.checks.parse.counts import count_phrases, name_counts, parse_count
from guideaudit.checks.registry import Rule, checker, declare, find

declare(
    Rule("material.list-missing", "E2-1", "未公布申请材料", "error",
         "办事指南没有申请材料清单。", "列出每项申请材料及其来源、份数和介质要求；确实无需材料的写明“无”。",
         applies_to="申请材料字段为 null 的事项",
         reads=('materials',)),
    Rule("material.source-missing", "E2-1", "材料来源未说明", "error",
         "材料“{name}”没有说明来源或出具单位。", "写明来源，如“申请人自备”或“政府部门核发（出具单位：户口所在地派出所）”。"),
    Rule("material.source-vague", "E2-1", "材料来源表述笼统", "error",
         "材料“{name}”的来源只写了“{text}”。", "写明具体来源，如“申请人自备”或“政府部门核发（出具单位：…）”。"),
    Rule("material.count-missing", "E2-2", "材料份数未说明", "error",
         "材料“{name}”没有说明原件、复印件份数。", "写明份数，如“原件1份，复印件1份”。",
         reads=('materials.originals', 'materials.copies', 'materials.name')),
    Rule("material.count-invalid", "E2-2", "材料份数有误", "error",
         "材料“{name}”的份数“{text}”{problem}。", "份数写整数，如“原件1份，复印件0份”；纸质材料原件和复印件不能都为 0。",
         reads=('materials.originals', 'materials.copies', 'materials.medium')),
    Rule("material.medium-missing", "E2-3", "材料介质未说明", "error",
         "材料“{name}”没有说明是纸质还是电子材料。", "写明介质，如“纸质（A4）”或“电子”。"),
)

_NONE_SOURCE = frozenset({"其他", "其它", "其他。", "其它。"})


@checker("E2-1")
def check_source(g: Guide):
    if g.record.materials is None:
        yield find("material.list-missing", None)
        return
    for index, m in enumerate(g.materials, start=1):
        where = locus("material", index, m.name)
        if blank(m.source):
            yield find("material.source-missing", m.source, where, name=m.name or f"第{index}项")
        elif norm(m.source) in _NONE_SOURCE:
            yield find("material.source-vague", m.source, where, name=m.name or f"第{index}项", text=m.source)


@checker("E2-2")
def check_count(g: Guide):
    for index, m in enumerate(g.materials, start=1):
        where = locus("material", index, m.name)
        name = m.name or f"第{index}项"
        if blank(m.originals) and blank(m.copies):
            # "身份证复印件一份" states its count in the name (real 浙江 guides do): stated, not missing
            if not name_counts(m.name):
                yield find("material.count-missing", None, where, name=name)
            continue
        evidence = f"原件：{m.originals if m.originals is not None else '未公布'}；复印件：{m.copies if m.copies is not None else '未公布'}"
        counts = []
        bad = False
        for value in (m.originals, m.copies):
            if blank(value):
                counts.append(0)
                continue
            count = parse_count(value)
            if count is None:
                # a count written inside a requirement: "原件1份、复印件1份", "A4纸，一式四份"
                phrases = count_phrases(value)
                count = sum(n for _, n in phrases) if phrases else None
            if count is None:
                bad = True
            counts.append(count or 0)
        if bad:
            yield find("material.count-invalid", evidence, where, name=name, text=evidence, problem="不是非负整数")
        elif counts == [0, 0] and paper_required(m.medium):
            yield find("material.count-invalid", evidence, where, name=name, text=evidence, problem="原件和复印件都为 0，但要求纸质材料")


def paper_required(medium: str | None) -> bool:
    """纸质, 纸质和电子: paper must be handed in, so it needs a count. 电子 alone, or 纸质或电子
    (either will do), may come with 0 paper copies."""
    text = norm(medium)
    if "纸" not in text:
        return False
    return not ("电子" in text and any(word in text for word in ("或", "/")))


@checker("E2-3")
def check_medium(g: Guide):
    for index, m in enumerate(g.materials, start=1):
        medium = norm(m.medium)
        if not medium or not any(word in medium for word in ("纸", "电子", "原件", "复印件", "扫描", "照片", "光盘", "U盘")):
            yield find("material.medium-missing", m.medium, locus("material", index, m.name), name=m.name or f"第{index}项")
