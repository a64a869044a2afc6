"""Summaries of repeated timings: medians and quartiles, never single values."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

__all__ = ["ratio", "summary"]


def summary(values: Sequence[float], scale: float = 1.0) -> dict:
    """Median, quartiles and count of ``values`` multiplied by ``scale``.

    Raises ValueError on an empty sequence.
    """
    if not values:
        raise ValueError("no samples to summarise")
    scaled = sorted(v * scale for v in values)
    if len(scaled) >= 4:
        q1, _, q3 = statistics.quantiles(scaled, n=4)
    else:
        q1, q3 = scaled[0], scaled[-1]
    return {
        "median": statistics.median(scaled),
        "p25": q1,
        "p75": q3,
        "min": scaled[0],
        "n": len(scaled),
    }


def ratio(numerator: dict | None, denominator: dict | None) -> float | None:
    """Ratio of two summaries' medians, or None when either is missing."""
    if not numerator or not denominator or not denominator.get("median"):
        return None
    return numerator["median"] / denominator["median"]
