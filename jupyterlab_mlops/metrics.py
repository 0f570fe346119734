"""``log_metrics``: show metrics in a notebook so a snapshot records them.

Runs in the kernel, not in the server. The output carries the MIME type
``application/vnd.mlops.metrics+json`` (read by the snapshot) and a plain
text line (read by people).
"""

from __future__ import annotations

import math
import numbers

METRICS_MIME = "application/vnd.mlops.metrics+json"
MAX_KEY_LENGTH = 200


def metrics_bundle(**values: float) -> dict[str, object]:
    """Return the display bundle for ``values``; raise ``ValueError`` on bad input.

    Keys are metric names (at most 200 characters); values are finite real
    numbers. Booleans are refused: ``True`` is not a metric.
    """
    if not values:
        raise ValueError("log_metrics needs at least one metric, e.g. log_metrics(accuracy=0.93)")
    clean: dict[str, float | int] = {}
    for key, value in values.items():
        if len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"metric name longer than {MAX_KEY_LENGTH} characters: {key[:40]}…")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"metric {key!r} must be a number, not {type(value).__name__}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"metric {key!r} must be finite, not {number}")
        clean[key] = int(value) if isinstance(value, numbers.Integral) else number
    text = "metrics: " + ", ".join(f"{key}={value:.6g}" for key, value in clean.items())
    return {METRICS_MIME: clean, "text/plain": text}


def log_metrics(**values: float) -> None:
    """Display metrics in the current cell's output, e.g. ``log_metrics(accuracy=0.93)``."""
    from IPython.display import display  # the kernel has IPython; the server need not

    display(metrics_bundle(**values), raw=True)
