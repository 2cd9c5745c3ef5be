"""The digest chart is a real PNG that reflects its data."""

from __future__ import annotations

import struct

from bot.charts import render_trend_png

WEEKS = [f"2026-W{n:02d}" for n in range(1, 13)]


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_png_with_gaps_and_sensible_size():
    series = {"met rate": [50.0, None, 70.0] * 4, "prompt engagement": [None] * 12}
    png = render_trend_png(WEEKS, series, "default: last 12 weeks")
    width, height = size(png)
    assert 300 <= width <= 3000 and 200 <= height <= 2000


def test_different_data_gives_a_different_chart():
    a = render_trend_png(WEEKS, {"met rate": [10.0] * 12}, "t")
    b = render_trend_png(WEEKS, {"met rate": [90.0] * 12}, "t")
    assert a != b


def test_all_hidden_still_renders():
    png = render_trend_png(WEEKS, {"met rate": [None] * 12}, "nothing to show yet")
    assert size(png)[0] > 0
