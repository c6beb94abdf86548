"""The sample's planted launches: new products whose content names one persona's taste.

Four products are drawn in a visual persona's colour and pattern (a photo, a bare category title:
no brand, no material); their planted audience is the visual customers who follow that colour.
Three have text that names a textual persona's brand and material (no photo); their planted
audience is the textual customers who follow that brand or that material. A launch simulator
(:func:`core.explain.launch.simulate_launch`) that reads content should put these followers first;
the planted-truth tests and ``benchmarks/launch_reach.py`` count them among a product's top customers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.features.draft import ProductDraft
from core.sample.catalogue import COLOURS
from core.sample.thumbnails import draw_thumbnail

_VISUAL = (("black", "solid", "coat", ("Clothing", "Outerwear", "Coat")),
           ("red", "stripes", "shirt", ("Clothing", "Tops", "Shirt")),
           ("yellow", "dots", "dress", ("Clothing", "Dresses", "Dress")),
           ("pink", "checks", "bag", ("Accessories", "Bags", "Bag")))
_TEXTUAL = (("Verano", "cotton", "Shirt", ("Clothing", "Tops", "Shirt")),
            ("Solenne", "leather", "Bag", ("Accessories", "Bags", "Bag")),
            ("Nordvik", "denim", "Trousers", ("Clothing", "Bottoms", "Trousers")))


@dataclass(frozen=True)
class PlantedLaunch:
    """One planted new product and who should get it.

    Attributes:
        name: e.g. ``"black solid coat"`` or ``"Verano cotton Shirt"``.
        persona: The persona whose followers it shows to: ``"visual"`` (a photo) or ``"textual"`` (text).
        draft: The product as the launch page takes it.
        follows: Whether a customer's planted attribute (``truth/customers.csv`` ``attribute``,
            e.g. ``"black/solid"`` or ``"Verano/cotton"``) follows what the product shows.
    """

    name: str
    persona: str
    draft: ProductDraft
    follows: Callable[[str], bool]

    def followers(self, user_ids: Sequence[str], truth: pd.DataFrame) -> int:
        """How many of ``user_ids`` are this persona's customers who follow what the product shows.

        Args:
            user_ids: Customers, e.g. the product's top-100 (``LaunchResult.top(100)["user_id"]``).
            truth: ``truth/customers.csv`` indexed by ``user_id`` (columns ``persona``, ``attribute``).
        """
        rows = truth.reindex(list(user_ids))
        return int(((rows["persona"] == self.persona) & rows["attribute"].fillna("").map(self.follows)).sum())


def planted_launches() -> list[PlantedLaunch]:
    """The seven planted launches: four visual ones, then three textual ones."""
    cases = []
    for colour, pattern, kind, categories in _VISUAL:
        photo = draw_thumbnail(kind, COLOURS[colour], pattern, np.random.default_rng(0))
        cases.append(PlantedLaunch(f"{colour} {pattern} {kind}", "visual",
                                   ProductDraft(title=categories[-1], categories=categories, image=photo),
                                   lambda a, c=colour: a.startswith(f"{c}/")))
    for brand, material, noun, categories in _TEXTUAL:
        draft = ProductDraft(title=f"{brand} {noun} in {material.title()}", categories=categories,
                             description=f"Made by {brand} in {material}, built for everyday wear.")
        cases.append(PlantedLaunch(f"{brand} {material} {noun}", "textual", draft,
                                   lambda a, b=brand, m=material: a.split("/")[0] == b or a.split("/")[-1] == m))
    return cases
