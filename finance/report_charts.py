"""The report's charts: horizontal bar charts as inline SVG, so the HTML needs no script, font or file.

Labels are as wide as the longest one (a Chinese character counts a full em) up to a limit, cut with an
ellipsis beyond it and whole in the tooltip; a chart without bars is not drawn (an empty chart says nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from finance.report_sections import fit_label, text_width
from finance.safe_cells import esc, money

_COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f")


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    width: int = 520,
    no_data: str = "no data",
) -> str:
    """A horizontal (grouped) bar chart as inline SVG; bars left of the zero line are negative.

    The label column is as wide as the longest label (Chinese names count a full em per character), up to
    240 px; a longer label is cut with an ellipsis and shown whole in the bar's tooltip.
    """
    pad, bar_h, gap = 10, 9, 6
    label_w = int(min(max([60.0, *(text_width(label, 10) + 8 for label in labels)]), 240.0))
    width = max(width, label_w + 330)
    values = [float(v or 0) for _, vals in series for v in vals]
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0
    plot_w = width - label_w - 2 * pad - 70
    group_h = bar_h * len(series) + gap
    height = 40 + max(len(labels), 1) * group_h + 24

    def x(v: float) -> float:
        return label_w + pad + (v - low) / span * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(title)}">',
        f'<text x="{pad}" y="18" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    for i, label in enumerate(labels):
        y0 = 32 + i * group_h
        parts.append(
            f'<text x="{label_w}" y="{y0 + bar_h * len(series) / 2 + 4:.1f}" font-size="10" '
            f'text-anchor="end">{esc(fit_label(label, 10, label_w - 8))}</text>'
        )
        for s, (_, vals) in enumerate(series):
            v = float(vals[i] or 0)
            left, right = sorted((x(0.0), x(v)))
            parts.append(
                f'<rect x="{left:.1f}" y="{y0 + s * bar_h}" width="{max(right - left, 0.5):.1f}" '
                f'height="{bar_h - 1}" fill="{_COLORS[s % len(_COLORS)]}"><title>{esc(label)}: '
                f"{esc(money(vals[i]))}</title></rect>"
            )
            parts.append(
                f'<text x="{right + 3:.1f}" y="{y0 + s * bar_h + bar_h - 1}" font-size="8">'
                f"{esc(money(vals[i]))}</text>"
            )
    zero = x(0.0)
    bottom = 32 + max(len(labels), 1) * group_h
    parts.append(
        f'<line x1="{zero:.1f}" y1="28" x2="{zero:.1f}" y2="{bottom}" stroke="#333" stroke-width="1"/>'
    )
    for s, (name, _) in enumerate(series):
        lx = label_w + pad + s * 150
        parts.append(
            f'<rect x="{lx}" y="{bottom + 8}" width="10" height="10" fill="{_COLORS[s % len(_COLORS)]}"/>'
        )
        parts.append(f'<text x="{lx + 14}" y="{bottom + 17}" font-size="10">{esc(name)}</text>')
    if not labels:
        parts.append(f'<text x="{label_w}" y="44" font-size="11">{esc(no_data)}</text>')
    parts.append("</svg>")
    return "".join(parts)
