"""The words and number formats every screen, report and sentence uses (pure, one place).

A marketer reads "Look (image)" and "25%", not ``share_image`` and ``0.2513``. Every part name a
model declares maps to a label for headers, a reason for sentences ("its look") and a help text
with the technical name; unknown part names fall back to a readable form of the name. Parts join
one of two families, "from product content" and "from purchase behaviour" (:data:`PART_FAMILIES`),
on which runs with different parts are compared. Every quantity has one format, so a number rounds
the same way in a chart, a table and a sentence:

- points of a score (:func:`points`): two decimals, always shown without a sign in sentences
  (the words say "above"/"against"), with a sign in tables (:func:`signed_points`);
- shares (:func:`pct`): whole percent, with a minus sign where the part counts against;
- differences of shares (:func:`share_points`): whole percentage points, "46", "-3";
- dates (:func:`day`): "12 Nov 2025", from unix seconds;
- counts (:func:`count`): thousands separated, "2,000".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class PartWords:
    """How one score part is named for people.

    Attributes:
        label: Column header / legend entry ("Look (image)").
        reason: What a product is recommended for ("its look").
        subject: What puts a product above or below the average product ("its image").
        missing: The subject for a product without this content ("having no picture on file").
        help: The technical meaning, for tooltips and the glossary.
    """

    label: str
    reason: str
    subject: str
    missing: str
    help: str


PART_WORDS: dict[str, PartWords] = {
    "id": PartWords("Purchase patterns", "who else bought it", "its purchase pattern", "its purchase pattern",
                    "The product's learned ID vector (technical name: id part): what the model learned from who "
                    "bought it alongside what, with no content."),
    "text": PartWords("Description (text)", "its description", "its text", "having no description on file",
                      "The part of the score that comes from the product's title and description (technical name: "
                      "text part), read by a sentence encoder."),
    "image": PartWords("Look (image)", "its look", "its image", "having no picture on file",
                       "The part of the score that comes from the product's picture (technical name: image part): "
                       "colours, patterns and shapes."),
    "collaborative": PartWords("Purchase behaviour", "what similar customers bought", "purchase behaviour",
                               "purchase behaviour",
                               "STAIR's collaborative band (technical name: collaborative part): the embedding "
                               "dimensions that training moved away from the product content."),
    "content": PartWords("Product content", "its content", "its content", "having no content on file",
                         "STAIR's content band (technical name: content part): the embedding dimensions that keep "
                         "the product's text and image features."),
    "score": PartWords("Score", "its overall score", "its score", "its score",
                       "A model that gives one undivided score (technical name: score)."),
    # the two families runs with different parts are compared on (PART_FAMILIES)
    "from_content": PartWords("From product content", "its content", "product content", "having no content on file",
                              "Every part read from the product's text and picture (HM4SR's description and look, "
                              "STAIR's content band), added up (technical name: from_content)."),
    "from_behaviour": PartWords("From purchase behaviour", "who else bought it", "purchase behaviour",
                                "purchase behaviour",
                                "Every part learned from who bought what (HM4SR's purchase patterns, STAIR's "
                                "collaborative band), added up (technical name: from_behaviour)."),
}

# The one table that maps a model's part to what it is read from, so models that split their scores
# differently (HM4SR id/text/image, STAIR collaborative/content) are compared on what they share.
# By part name only: a new model's part joins a family here, never by branching on the model.
PART_FAMILIES: dict[str, str] = {"id": "from_behaviour", "collaborative": "from_behaviour",
                                 "text": "from_content", "image": "from_content", "content": "from_content"}
FAMILIES = ("from_behaviour", "from_content")  # in this order on every chart (the colour follows the order)


def part_family(part: str) -> str | None:
    """The family a part belongs to (:data:`PART_FAMILIES`), or None (e.g. an undivided ``score``)."""
    return PART_FAMILIES.get(part)


def part_words(part: str) -> PartWords:
    """The words of a part; an unknown part name gets a readable form of itself."""
    if part in PART_WORDS:
        return PART_WORDS[part]
    name = part.replace("_", " ").strip().capitalize() or "Part"
    return PartWords(name, f"its {name.lower()}", f"its {name.lower()}", f"having no {name.lower()} on file",
                     f"The model's score part named {part!r}.")


def part_label(part: str) -> str:
    """Header / legend label of a part ("Look (image)")."""
    return part_words(part).label


def share_label(part: str) -> str:
    """Header of a part's share column ("Look (image) (%)"; the help says it is a share of the lead)."""
    return f"{part_label(part)} (%)"


def lift_label(part: str) -> str:
    """Header of a part's lift column ("Look (image), points")."""
    return f"{part_label(part)}, points"


def points(x: float) -> str:
    """Unsigned points of a score, two decimals ("1.70")."""
    return f"{abs(float(x)):.2f}"


def signed_points(x: float) -> str:
    """Signed points of a score, two decimals ("+1.70", "-0.35"); "0.00" for a value that rounds to 0."""
    text = f"{float(x):+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def pct(share: float) -> str:
    """A share in [-1, 1] as whole percent ("25%", "-10%"); "–" for a missing value."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    value = round(100.0 * float(share))
    return f"{0 if value == 0 else value}%"


def share_points(diff: float) -> str:
    """A difference of two shares (in [-2, 2]) as whole percentage points, signed ("46", "-3", "0")."""
    value = round(100.0 * float(diff))
    return f"{0 if value == 0 else value}"


def capital(text: str) -> str:
    """``text`` with its first letter in upper case, the rest as it is ("visual shoppers" -> "Visual shoppers")."""
    return text[:1].upper() + text[1:]


def day(seconds: int | float) -> str:
    """Unix seconds as a date a person reads ("12 Nov 2025")."""
    return datetime.fromtimestamp(int(seconds), tz=UTC).strftime("%-d %b %Y")


def count(n: int) -> str:
    """A count with thousands separators ("2,000")."""
    return f"{int(n):,}"


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 160 -> "160th"."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"
