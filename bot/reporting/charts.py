"""Weekly trend charts for programme leads, rendered to PNG bytes for upload to Slack.

The inputs are already anonymised figures (see :mod:`bot.anonymity`): percentages per closed
week, with ``None`` where a figure was suppressed. A suppressed week is drawn as a gap, never
interpolated, because joining the points either side would suggest a value we chose to hide.

matplotlib is imported inside the renderer, not at module import, so that importing this
module (as the app wiring does at start-up) stays cheap and the bot runs without the optional
``charts`` extra until a chart is actually requested. The object-oriented Figure API with the
Agg canvas is used instead of ``pyplot``: it keeps no global figure state, which matters in a
long-running, multi-threaded bot, and a module lock serialises rendering because matplotlib
does not promise thread safety.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Mapping, Sequence
from typing import Final

from bot.core.text import plural

__all__ = ["DPI", "FIGSIZE_INCHES", "MAX_WEEKS", "render_trend_png", "trend_alt_text"]

MAX_WEEKS: Final = 12
"""More weeks than this makes the week labels unreadable in a Slack preview."""

FIGSIZE_INCHES: Final = (8.0, 4.5)
DPI: Final = 150
"""8 x 4.5 in at 150 dpi = 1200 x 675 px: sharp on dense screens, 16:9 like Slack previews."""

# Okabe-Ito colours (distinguishable with common colour-vision deficiencies), plus a distinct
# marker and dash pattern per series so lines can be told apart without colour at all.
_COLOURS: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_MARKERS: Final = ("o", "s", "^", "D", "v", "P", "X")
_DASHES: Final = ("-", "--", "-.", ":", "-", "--", ":")

_GAP_NOTE: Final = "Gaps: hidden to protect anonymity (too few responses) or no data."

_render_lock = threading.Lock()


def _validate(weeks: Sequence[str], series: Mapping[str, Sequence[float | None]]) -> None:
    """Reject inputs that would render a misleading chart rather than draw something wrong."""
    if len(weeks) > MAX_WEEKS:
        raise ValueError(f"at most {MAX_WEEKS} weeks per chart, got {len(weeks)}")
    for name, values in series.items():
        if len(values) != len(weeks):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(weeks)} weeks")
        for value in values:
            if value is not None and not (math.isfinite(value) and 0.0 <= value <= 100.0):
                raise ValueError(f"series {name!r} has {value!r}, expected 0-100 or None")


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0") + "%"


def trend_alt_text(
    weeks: Sequence[str], series: Mapping[str, Sequence[float | None]], title: str
) -> str:
    """A plain-text description of the chart, for Slack's ``alt_text`` and screen readers.

    Gives the latest shown value, the range and how many weeks are hidden per series, which
    is what a sighted reader takes from the picture.
    """
    _validate(weeks, series)
    if not weeks:
        return f"{title}. No weeks to show."
    parts = [
        f"{title}. Line chart, 0 to 100 percent, {len(weeks)} "
        f"week{'s' if len(weeks) != 1 else ''} from {weeks[0]} to {weeks[-1]}."
    ]
    for name, values in series.items():
        shown = [(week, v) for week, v in zip(weeks, values, strict=True) if v is not None]
        if not shown:
            parts.append(f"{name}: no figures shown.")
            continue
        last_week, last = shown[-1]
        low = min(v for _, v in shown)
        high = max(v for _, v in shown)
        hidden = len(weeks) - len(shown)
        text = f"{name}: latest {_fmt(last)} in {last_week}, range {_fmt(low)} to {_fmt(high)}"
        parts.append(text + (f", {plural(hidden, 'week')} not shown." if hidden else "."))
    if not series:
        parts.append("No series.")
    return " ".join(parts)


def render_trend_png(
    weeks: Sequence[str], series: Mapping[str, Sequence[float | None]], title: str
) -> bytes:
    """Render a line chart of percentage series over up to :data:`MAX_WEEKS` ISO weeks.

    ``series`` maps a legend label (e.g. "Met rate") to one value per week, 0-100, with
    ``None`` for suppressed weeks (drawn as gaps). The PNG is ``FIGSIZE_INCHES * DPI`` pixels
    and carries the title and :func:`trend_alt_text` in its metadata, so the description
    travels with the file. Raises ``ValueError`` for more than :data:`MAX_WEEKS` weeks,
    mismatched lengths or values outside 0-100.
    """
    _validate(weeks, series)
    alt_text = trend_alt_text(weeks, series, title)

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    from matplotlib.ticker import MultipleLocator, PercentFormatter

    with _render_lock:
        fig = Figure(figsize=FIGSIZE_INCHES, dpi=DPI, layout="constrained")
        # Keep the bottom strip free for the footnote, which the layout engine ignores.
        engine = fig.get_layout_engine()
        if isinstance(engine, ConstrainedLayoutEngine):
            engine.set(rect=(0.0, 0.05, 1.0, 0.95))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(len(weeks)))
        any_value = False
        for index, (name, values) in enumerate(series.items()):
            # NaN breaks the line, so a suppressed week is a visible gap; markers keep an
            # isolated released week visible even with gaps on both sides.
            ys = [math.nan if v is None else float(v) for v in values]
            any_value = any_value or any(v is not None for v in values)
            ax.plot(
                positions,
                ys,
                label=name,
                color=_COLOURS[index % len(_COLOURS)],
                marker=_MARKERS[index % len(_MARKERS)],
                linestyle=_DASHES[index % len(_DASHES)],
                linewidth=2,
                markersize=6,
                clip_on=False,  # a 0% or 100% marker would otherwise be cut in half
            )

        ax.set_title(title, fontsize=13, loc="left", wrap=True)
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=100))
        ax.yaxis.set_major_locator(MultipleLocator(20))
        ax.set_ylabel("Percent")
        ax.set_xlabel("ISO week (UTC)")
        ax.set_xticks(positions, list(weeks), rotation=45, ha="right", fontsize=9)
        ax.set_xlim(-0.5, max(len(weeks), 1) - 0.5)
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        if series:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        if not any_value:
            ax.text(
                0.5,
                0.5,
                "No figures to show for these weeks",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=12,
                color="#555555",
            )
        fig.text(0.01, 0.005, _GAP_NOTE, fontsize=8, color="#555555", ha="left", va="bottom")

        buffer = io.BytesIO()
        fig.savefig(
            buffer,
            format="png",
            metadata={"Title": title, "Description": alt_text, "Software": None},
        )
    return buffer.getvalue()
