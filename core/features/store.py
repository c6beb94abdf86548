"""The on-disk feature store, re-exported from :mod:`core.data.feature_files`.

The reading, writing and alignment code lives in :mod:`core.data` (the lowest layer) because
:func:`core.data.prepare` loads a dataset's features; this module keeps the names where the
feature code and its callers have always found them.
"""

from core.data.feature_files import (
    FEATURES_DIR,
    ITEM_IDS_FILE,
    MISSING_SUFFIX,
    FeatureSet,
    align_features,
    features_dir,
    load_features,
    save_features,
)

__all__ = ["FEATURES_DIR", "ITEM_IDS_FILE", "MISSING_SUFFIX", "FeatureSet", "align_features", "features_dir",
           "load_features", "save_features"]
