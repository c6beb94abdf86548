"""Pure ranking metrics and full-ranking evaluation."""

from core.evaluation.intervals import bootstrap_mean_interval
from core.evaluation.metrics import DEFAULT_KS, hit_rate, metric_columns, mrr, ndcg, target_ranks
from core.evaluation.new_items import NewItemsResult, evaluate_new_items, new_items_section, random_order_metrics
from core.evaluation.ranking import PROTOCOLS, EvalResult, evaluate

__all__ = ["DEFAULT_KS", "PROTOCOLS", "EvalResult", "NewItemsResult", "bootstrap_mean_interval", "evaluate",
           "evaluate_new_items", "hit_rate",
           "metric_columns", "mrr", "ndcg", "new_items_section", "random_order_metrics", "target_ranks"]
