"""The planted sample catalogue (DESIGN.md section 5): a deterministic generator.

Use :func:`make_sample` to write the dataset directory; ``python -m core.sample OUT_DIR`` does
the same from the command line.
"""

from core.sample.catalogue import BRANDS, COLOURS, MATERIALS, PATTERNS, PRODUCT_TYPES, SEASONS
from core.sample.customers import PERSONAS
from core.sample.generate import SampleSummary, catalogue_items, make_sample
from core.sample.launches import PlantedLaunch, planted_launches

__all__ = [
    "BRANDS",
    "COLOURS",
    "MATERIALS",
    "PATTERNS",
    "PERSONAS",
    "PRODUCT_TYPES",
    "SEASONS",
    "PlantedLaunch",
    "SampleSummary",
    "catalogue_items",
    "make_sample",
    "planted_launches",
]
