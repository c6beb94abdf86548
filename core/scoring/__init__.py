"""The scoring service: every top-K, score split and re-scored variant comes from here."""

from core.scoring.ranking import overlap_fraction, rank_of, top_k
from core.scoring.result import LONG_COLUMNS, PartScores
from core.scoring.service import History, Scorer
from core.scoring.shares import lift_shares, part_lifts, part_shares

__all__ = ["LONG_COLUMNS", "History", "PartScores", "Scorer", "lift_shares", "overlap_fraction", "part_lifts",
           "part_shares", "rank_of", "top_k"]
