"""Pure ranking metrics and full-ranking evaluation."""

from core.evaluation.metrics import DEFAULT_KS, hit_rate, metric_columns, mrr, ndcg, target_ranks
from core.evaluation.ranking import PROTOCOLS, EvalResult, evaluate

__all__ = ["DEFAULT_KS", "PROTOCOLS", "EvalResult", "evaluate", "hit_rate", "metric_columns", "mrr", "ndcg",
           "target_ranks"]
