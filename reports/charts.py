"""Inline SVG charts for 报告.html: no script, no external file, every label escaped.

Each function returns markup ready to drop into the page. Sizes are in SVG user units and the
charts scale with the page (viewBox, width 100%).
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

FONT = "font-family=\"'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif\""
GOOD, MID, BAD = "#2E7D4F", "#C9891B", "#B23A3A"
AXIS = "#8A8F98"


def _colour(rate: float) -> str:
    return GOOD if rate >= 0.9 else MID if rate >= 0.7 else BAD


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT} font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def rate_bars(items: Sequence[tuple[str, float | None]], title: str) -> Markup:
    """Horizontal bars of shares in [0, 1] (pass rate per element), labelled with the percent."""
    label_w, bar_w, row_h = 190, 430, 24
    height = row_h * len(items) + 30
    body = []
    for i, (label, rate) in enumerate(items):
        y = 8 + i * row_h
        body.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" fill="#EEF1F5"/>')
        if rate is None:
            body.append(f'<text x="{label_w + 6}" y="{y + 15}" fill="{AXIS}">不适用</text>')
            continue
        w = max(0.0, min(1.0, rate)) * bar_w
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="16" fill="{_colour(rate)}"/>')
        body.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{rate * 100:.1f}%</text>')
    for tick in (0, 0.5, 1):
        x = label_w + tick * bar_w
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="6" y2="{height - 20}" stroke="{AXIS}" stroke-dasharray="2,3"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="{AXIS}">{int(tick * 100)}%</text>')
    return _svg(label_w + bar_w + 60, height, body, title)


def axis_floor(values: Sequence[float], top: float) -> float:
    """Where an axis starts: low enough to show every value with a margin, at a round number,
    so that scores clustered near the top are not drawn as one flat line or one bar."""
    if not values:
        return 0.0
    step = 10 ** max(0, len(str(int(top))) - 2)  # 10 for a 100-point scale
    lo = (int(min(values)) // step) * step - step
    return float(max(0, lo))


def histogram(values: Sequence[float], title: str, top: float = 100.0) -> Markup:
    """Counts of scores in equal bins from a round floor below the lowest score up to ``top``
    (the last bin includes ``top``); bins of 2, 5 or 10 points by the spread."""
    top = max(top, max(values, default=0.0), 1e-9)
    lo = axis_floor(values, top)
    span = top - lo
    width = next((w for w in (top / 50, top / 20) if span / w <= 12), top / 10)
    bins = max(1, round(span / width))
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int((v - lo) / span * bins)))] += 1
    width, height, left, bottom = 640, 240, 40, 36
    plot_w, plot_h = width - left - 10, height - bottom - 14
    peak = max(counts, default=0) or 1
    body = [f'<line x1="{left}" x2="{width - 10}" y1="{height - bottom}" y2="{height - bottom}" stroke="{AXIS}"/>']
    step = plot_w / bins
    for i, n in enumerate(counts):
        h = n / peak * plot_h
        x = left + i * step
        y = height - bottom - h
        lo_i, hi_i = lo + span * i / bins, lo + span * (i + 1) / bins
        body.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{step - 4:.1f}" height="{h:.1f}" fill="#3D6FB6">'
            f"<title>{_num(lo_i)}–{_num(hi_i)} 分：{n} 个单位</title></rect>"
        )
        if n:
            body.append(f'<text x="{x + step / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{n}</text>')
        body.append(
            f'<text x="{x + step / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="{AXIS}" font-size="10">'
            f"{_num(lo_i)}–{_num(hi_i)}</text>"
        )
    body.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="{AXIS}">得分区间（分）</text>')
    body.append(f'<text x="4" y="14" fill="{AXIS}">单位数</text>')
    return _svg(width, height, body, title)


def trend_lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    top: float = 100.0,
    unit: str = "",
) -> Markup:
    """One line per series over the sweeps in ``labels`` (None leaves a gap)."""
    palette = ["#3D6FB6", "#B23A3A", "#2E7D4F", "#C9891B", "#6B4FA0", "#1B8A9A", "#8A5A2B", "#555B66"]
    width, height, left, right, bottom = 680, 260, 44, 170, 40
    plot_w, plot_h = width - left - right, height - bottom - 16
    n = len(labels)
    xs = [left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2) for i in range(n)]

    lo = axis_floor([v for _, values in series for v in values if v is not None], top)

    def y_of(v: float) -> float:
        return height - bottom - (max(lo, min(v, top)) - lo) / (top - lo) * plot_h

    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        mark = lo + (top - lo) * tick
        y = y_of(mark)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#E3E6EB"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}" font-size="10">{_num(mark)}{escape(unit)}</text>')
    for x, label in zip(xs, labels, strict=True):
        body.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="{AXIS}" font-size="10">{escape(label)}</text>')
    for k, (name, values) in enumerate(series):
        colour = palette[k % len(palette)]
        points = [(x, y_of(v)) for x, v in zip(xs, values, strict=True) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), v in zip(points, [v for v in values if v is not None], strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(name)}：{_num(v)}{escape(unit)}</title></circle>'
            )
        ly = 20 + k * 18
        if k < 12:
            body.append(f'<rect x="{left + plot_w + 14}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
            body.append(f'<text x="{left + plot_w + 28}" y="{ly}" font-size="11">{escape(name[:14])}</text>')
    return _svg(width, height, body, title)
