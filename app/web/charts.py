"""Server-rendered SVG bar charts: the geometry of one bar per value, in SVG user units of a
``WIDTH`` × ``HEIGHT`` view box. Pages draw the bars with a ``<title>`` each and give the same
figures as a table, so the chart is readable without colour and without the picture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 300
HEIGHT = 100
TOP = 4  # room above the highest bar


@dataclass(frozen=True)
class BarBox:
    x: float
    y: float
    width: float
    height: float


def bar_boxes(values: Sequence[Decimal]) -> list[BarBox]:
    """One box per value, left to right; the highest positive value fills the height, a small
    positive value stays visible (1 unit), zero and negative values have no height."""
    if not values:
        return []
    slot = WIDTH / len(values)
    highest = max(values)
    usable = HEIGHT - TOP
    boxes = []
    for i, value in enumerate(values):
        height = float(value / highest) * usable if highest > 0 and value > 0 else 0.0
        if 0 < height < 1:
            height = 1.0
        boxes.append(BarBox(round(i * slot + slot * 0.15, 2), round(HEIGHT - height, 2), round(slot * 0.7, 2),
                            round(height, 2)))
    return boxes
