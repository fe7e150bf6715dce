"""Source adapters: each turns one input format into rows of the canonical actions table."""

from .base import ReadContext, RowBatcher, Source, SourceOptions
from .registry import available_formats, detect_format, get_source

__all__ = [
    "ReadContext",
    "RowBatcher",
    "Source",
    "SourceOptions",
    "available_formats",
    "detect_format",
    "get_source",
]
