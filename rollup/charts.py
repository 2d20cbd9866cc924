"""Charts drawn on the server as SVG: no JavaScript library, nothing from a CDN, and
the Content-Security-Policy holds (classes only, styled by rollup.css)."""

from markupsafe import Markup, escape

from mart.money import format_number


def _nice_max(value: int) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def trend_chart(points, title, width=720, height=240) -> Markup:
    """``points`` is a list of ``(label, value)``. Bars up to 62 points, a line above."""
    left, right, top, bottom = 70, 10, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [int(v) for _, v in points]
    peak = _nice_max(max(values, default=0))
    low = min(0, min(values, default=0))
    span = peak - low or 1

    def y(v):
        return top + plot_h - (v - low) * plot_h / span

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        v = low + span * i / 4
        yy = y(v)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">'
            f"{escape(format_number(int(v)))}</text>"
        )
    n = len(points)
    if n:
        step = plot_w / n
        # as many labels as fit side by side (11 px type: about 7 px a character)
        longest = max((len(str(label)) for label, _ in points), default=1)
        fit = max(1, int(plot_w // (longest * 7 + 12)))
        label_every = max(1, -(-n // fit))
        if n <= 62:
            for i, (label, v) in enumerate(points):
                x = left + i * step + step * 0.1
                y0, y1 = y(max(v, 0)), y(min(v, 0))
                parts.append(
                    f'<rect class="bar" x="{x:.1f}" y="{y0:.1f}" width="{step * 0.8:.1f}" '
                    f'height="{max(y1 - y0, 0.5):.1f}"><title>{escape(label)}: '
                    f"{escape(format_number(v))}</title></rect>"
                )
        else:
            coords = " ".join(
                f"{left + i * step + step / 2:.1f},{y(v):.1f}" for i, (_, v) in enumerate(points)
            )
            parts.append(f'<polyline class="line" points="{coords}"/>')
        for i, (label, _) in enumerate(points):
            if i % label_every == 0:
                x = left + i * step + step / 2
                parts.append(
                    f'<text class="axis" x="{x:.1f}" y="{height - bottom + 16}" '
                    f'text-anchor="middle">{escape(label)}</text>'
                )
    parts.append("</svg>")
    return Markup("".join(parts))
