"""The digest chart is a real PNG that reflects its data."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from bot.reporting.charts import DPI, FIGSIZE_INCHES, MAX_WEEKS, render_trend_png, trend_alt_text

WEEKS = [f"2026-W{n:02d}" for n in range(1, 13)]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Walk the PNG chunk list, checking each CRC, so a truncated file fails loudly."""
    assert png[:8] == PNG_SIGNATURE
    found, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + data) == crc
        found.append((kind, data))
        pos += 12 + length
    return found


def test_png_with_gaps_and_sensible_size() -> None:
    series = {"met rate": [50.0, None, 70.0] * 4, "prompt engagement": [None] * 12}
    png = render_trend_png(WEEKS, series, "default: last 12 weeks")
    width, height = size(png)
    assert 300 <= width <= 3000 and 200 <= height <= 2000
    # Exactly the documented figure size, i.e. the layout never crops or grows the image.
    assert (width, height) == (round(FIGSIZE_INCHES[0] * DPI), round(FIGSIZE_INCHES[1] * DPI))
    kinds = [kind for kind, _ in chunks(png)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds


def test_different_data_gives_a_different_chart() -> None:
    a = render_trend_png(WEEKS, {"met rate": [10.0] * 12}, "t")
    b = render_trend_png(WEEKS, {"met rate": [90.0] * 12}, "t")
    assert a != b


def test_a_hidden_week_is_drawn_differently_from_any_value() -> None:
    gap = render_trend_png(WEEKS[:3], {"met rate": [50.0, None, 70.0]}, "t")
    joined = render_trend_png(WEEKS[:3], {"met rate": [50.0, 60.0, 70.0]}, "t")
    assert gap != joined


def test_all_hidden_still_renders() -> None:
    png = render_trend_png(WEEKS, {"met rate": [None] * 12}, "nothing to show yet")
    assert size(png)[0] > 0


def test_no_weeks_and_no_series_still_render() -> None:
    assert size(render_trend_png([], {}, "empty"))[0] > 0
    assert size(render_trend_png(WEEKS[:1], {}, "no series"))[0] > 0


def test_title_and_description_travel_in_the_png_metadata() -> None:
    title = "Met rate, last 3 closed weeks"
    series = {"Met rate": [80.0, None, 60.0]}
    png = render_trend_png(WEEKS[:3], series, title)
    text = {
        key.decode("latin-1"): value.decode("latin-1")
        for kind, data in chunks(png)
        if kind == b"tEXt"
        for key, value in [data.split(b"\0", 1)]
    }
    assert text["Title"] == title
    assert text["Description"] == trend_alt_text(WEEKS[:3], series, title)


def test_alt_text_states_latest_range_and_hidden_weeks() -> None:
    alt = trend_alt_text(
        WEEKS[:4],
        {"Met rate": [None, 55.5, 90.0, None], "Engagement": [None] * 4},
        "Trends",
    )
    assert alt.startswith("Trends.")
    assert "4 weeks from 2026-W01 to 2026-W04" in alt
    assert "Met rate: latest 90% in 2026-W03, range 55.5% to 90%, 2 weeks not shown." in alt
    assert "Engagement: no figures shown." in alt


@pytest.mark.parametrize(
    ("weeks", "series"),
    [
        ([f"2026-W{n:02d}" for n in range(1, MAX_WEEKS + 2)], {}),
        (WEEKS, {"met rate": [50.0] * 11}),
        (WEEKS[:2], {"met rate": [50.0, 100.5]}),
        (WEEKS[:2], {"met rate": [-1.0, 50.0]}),
        (WEEKS[:2], {"met rate": [math.nan, 50.0]}),
    ],
)
def test_misleading_inputs_are_rejected(
    weeks: list[str], series: dict[str, list[float | None]]
) -> None:
    with pytest.raises(ValueError):
        render_trend_png(weeks, series, "t")


def test_importing_the_module_does_not_import_matplotlib() -> None:
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.reporting.charts; print('matplotlib' in sys.modules)",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
