"""Label/value rows of tables: ``<th>``/``<td>``, ``<td>label</td><td>`` (several pairs per row),
a row of labels over a row of values, and stacked one-cell rows (label row, then value rows).

A cell is a label when it is a ``<th>``, has a label class (``td-label``,
``zjzw-procedure-tabItem-name``) or maps to a field; in a table whose rows start with known
labels every short first cell is a label (unmapped ones go to extra).
"""

from __future__ import annotations

from lxml import etree

from ..context import Context, Section, has_table, label_classed, short, t
from ..labels import MAX_LABEL_CHARS, LabelTable, label_key
from .materials_table import cells, rows


def _is_label_cell(cell: etree._Element, labels: LabelTable) -> bool:
    if has_table(cell):
        return False
    text = t(cell)
    key = label_key(text)
    if not key or len(key) > MAX_LABEL_CHARS or "\n" in text:
        return False
    if cell.tag == "th" or label_classed(cell):
        return True
    return labels.field(text) is not None


def _label_row(row_cells: list[etree._Element], labels: LabelTable) -> bool:
    """Every cell a header cell or a label, at least two of them mapping to fields."""
    if len(row_cells) < 2 or not all(c.tag == "th" or short(c) for c in row_cells):
        return False
    classed = [label_classed(c) for c in row_cells]
    if any(classed) and not all(classed):
        return False  # label cells and value cells side by side: a label/value row
    if all(c.tag == "th" for c in row_cells):
        return sum(1 for c in row_cells if labels.field(t(c)) is not None) >= 2
    # Plain cells: only exact synonyms, so a value like 无法定时限 is never taken for a label.
    return all(labels.exact_field(t(c)) is not None for c in row_cells)


def detect(ctx: Context) -> None:
    fields = ctx.labels.fields
    used = ctx.used
    for table in ctx.root.iter("table"):
        table_rows = [tr for tr in rows(table, ctx.table_rows) if tr not in used]
        if not table_rows:
            continue
        label_table = any(
            (c := cells(tr)) and len(c) >= 2 and fields.field(t(c[0])) for tr in table_rows
        )
        columns = False  # this table already showed rows of labels over rows of values
        i = 0
        while i < len(table_rows):
            tr = table_rows[i]
            row_cells = cells(tr)
            if len(row_cells) == 1 and not (columns and i + 1 < len(table_rows) and short(row_cells[0])
                                             and len(cells(table_rows[i + 1])) == 1):
                i = _stacked(ctx, table_rows, i, row_cells[0])
                continue
            # Column layout: a row of labels over a row of values (法定办结时限 | 承诺办结时限);
            # once a table shows it, a later row of short unmapped cells (服务对象 | 办理形式) is
            # labels too: the pattern, not the words, is the evidence.
            if i + 1 < len(table_rows) and (
                _label_row(row_cells, fields)
                or (columns and all(short(c) for c in row_cells) and len(cells(table_rows[i + 1])) == len(row_cells))
            ):
                below = cells(table_rows[i + 1])
                if len(below) == len(row_cells) and not _label_row(below, fields):
                    for label_cell, value_cell in zip(row_cells, below, strict=True):
                        ctx.pair(t(label_cell), value_cell, "rows:columns")
                    columns = True
                    ctx.mark(tr)
                    ctx.mark(table_rows[i + 1])
                    i += 2
                    continue
            k = 0
            while k < len(row_cells):
                cell = row_cells[k]
                if (
                    k + 1 < len(row_cells)
                    and (_is_label_cell(cell, fields) or (label_table and short(cell)))
                    and not (row_cells[k + 1].tag == "th")
                    and not has_table(row_cells[k + 1])
                ):
                    value_cell = row_cells[k + 1]
                    ctx.pair(t(cell), value_cell, "rows:th-td" if cell.tag == "th" else "rows:td-td")
                    ctx.mark(cell)
                    ctx.mark(value_cell)
                    k += 2
                else:
                    k += 1
            i += 1


def _stacked(ctx: Context, table_rows: list[etree._Element], i: int, cell: etree._Element) -> int:
    """One-cell rows: a row naming a field, then the rows below it until the next such row are
    its value (浙江's tab tables: a styled 申请条件 cell over a cell of paragraphs)."""
    if has_table(cell) or not short(cell) or ctx.labels.fields.exact_field(t(cell)) is None:
        return i + 1
    body = []
    j = i + 1
    while j < len(table_rows):
        below = cells(table_rows[j])
        if len(below) != 1 or has_table(below[0]):
            break
        if short(below[0]) and ctx.labels.fields.exact_field(t(below[0])) is not None:
            break
        body.append(below[0])
        j += 1
    text = "\n".join(x for x in map(t, body) if x)
    ctx.sections.append(Section(t(cell), text, cell, "rows:stacked"))
    ctx.mark(cell)
    for el in body:
        ctx.mark(el)
    return j
