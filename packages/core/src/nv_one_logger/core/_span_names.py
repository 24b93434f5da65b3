"""The standard span names, span attribute names and NVTX colors (re-exported by :mod:`nv_one_logger.core.span`).

Kept apart from the ``Span`` class so that module stays about one thing: the span's data and its hot path.
"""

from __future__ import annotations

from nv_one_logger.core.str_enum import StrEnum


class StandardSpanName(StrEnum):
    """Names of spans the library itself creates."""

    APPLICATION = "application"


class StandardSpanAttributeName(StrEnum):
    """Names of span attributes the library itself sets."""

    DURATION_MSEC = "duration_msec"
    NVTX_COLOR = "nvtx_color"


class NVTXColor(StrEnum):
    """Colors for NVTX ranges (Nsight Systems timelines), for the ``nvtx_color`` span attribute."""

    UNSET = "unset"
    GREEN = "green"
    BLUE = "blue"
    YELLOW = "yellow"
    PURPLE = "purple"
    RAPIDS = "rapids"
    CYAN = "cyan"
    RED = "red"
    WHITE = "white"
    DARKGREEN = "darkgreen"
    ORANGE = "orange"
