"""Reading, validating, filtering, indexing, splitting and batching datasets.

The batch helpers need torch; they are imported on first use, so reading and validating data
(e.g. ``python -m core import``) does not pay for loading torch.
"""

from importlib import import_module

from core.data.dataset import DEFAULT_K_CORE, Dataset, PrepareReport, prepare
from core.data.dataset_cache import load_dataset
from core.data.errors import DataError
from core.data.filtering import k_core
from core.data.new_items import NewItemsConfig, NewItemSplit, hold_out_new_items
from core.data.reader import RawDataset, read_dataset

_BATCH_NAMES = ("Batch", "eval_batches", "history_batch", "pair_batches", "sequence_batches")


def __getattr__(name: str):
    if name in _BATCH_NAMES:
        return getattr(import_module("core.data.batches"), name)
    raise AttributeError(f"module 'core.data' has no attribute {name!r}")


__all__ = ["DEFAULT_K_CORE", *_BATCH_NAMES, "DataError", "Dataset", "NewItemSplit", "NewItemsConfig", "PrepareReport",
           "RawDataset", "hold_out_new_items", "k_core", "load_dataset", "prepare", "read_dataset"]
