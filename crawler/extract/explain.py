"""What the extractor saw on one page, in Chinese: `guideaudit extract --explain` and `probe`."""

from __future__ import annotations

from guideaudit.record import FIELD_NAMES

from .builder import PageResult
from .labels import Labels

_WHERE = {"h1": "<h1> 标题", "title": "<title>（去掉网站名）", "breadcrumb": "面包屑最后一级"}
_HOW = {"exact": "精确", "user": "用户同义词", "fuzzy": "模糊"}
_DETECTORS = {
    "rows:th-td": "th/td 行", "rows:td-td": "td/td 行", "rows:columns": "标签行+值行", "rows:stacked": "单列堆叠行",
    "dl": "dl/dt/dd", "inline": "标签元素+值元素", "inline:lead": "“标签：<span>值</span>”", "colon_text": "“标签：值”文本",
    "class_pairs": "按 class 成对的 div", "tabs": "选项卡", "sections": "小节标题", "materials_table": "表头行",
}
SCALARS = tuple(f for f in FIELD_NAMES if f not in ("id", "url", "portal", "fetched_at", "extra", "uncaptured"))


def explain_lines(result: PageResult, labels: Labels, kind_text: str | None = None) -> list[str]:
    names = labels.names
    lines = []
    if result.record is not None:
        lines.append("结论：是办事指南页面")
    elif result.kind:
        lines.append(f"结论：不是办事指南页面——{kind_text or result.kind}")
    else:
        lines.append(f"结论：不是办事指南页面——{result.reason}")
    found = [f for f in SCALARS if f in result.sources]
    lines.append(f"识别出的字段（{len(found)} 个）：")
    for f in found:
        src = result.sources[f]
        det = _DETECTORS.get(src.get("detector") or "", src.get("detector") or "")
        if f in ("materials", "steps"):
            header = f"表头：{src['label']}" if src.get("label") else "按表头行识别"
            lines.append(f"  {names.get(f, f)}（{f}）← {header}")
            continue
        if src.get("label") is None or src.get("method") in _WHERE:
            lines.append(f"  {names.get(f, f)}（{f}）← {_WHERE.get(src.get('method'), src.get('method'))}")
            continue
        score = src.get("score")
        how = _HOW.get(src.get("method") or "", src.get("method") or "")
        lines.append(f"  {names.get(f, f)}（{f}）← 标签“{src['label']}”（{det}，{how} {score:g}）")
    if result.record is not None and result.record.materials:
        lines.append(f"  申请材料：{len(result.record.materials)} 项")
    missing = [f for f in SCALARS if f not in result.sources and f not in ("materials", "steps")]
    lines.append(f"未识别的字段（{len(missing)} 个）：" + ("、".join(names.get(f, f) for f in missing) or "无"))
    unmatched = []
    seen = set()
    for pair in result.pairs:
        label = pair.label.rstrip("：: ")
        if pair.field or not label or label in seen:
            continue
        seen.add(label)
        guess, score, word = labels.fields.best_guess(label)
        near = f"（最接近：{word} → {names.get(guess, guess)}，{score:g} 分，低于阈值 {labels.fields.cutoff:g}）" if guess else ""
        unmatched.append(f"  “{label}”{near}")
    lines.append(f"进入 extra 的标签（{len(unmatched)} 个）：" + ("" if unmatched else "无"))
    lines.extend(unmatched)
    return lines
