"""STAIR: stepwise graph convolution so collaborative and multimodal information co-exist
(Xu, He, Wang, Zhang, AAAI 2025; method spec in ``papers/STAIR.md``).

Three parts, each switchable for ablations (``use_mi``, ``use_fsc``, ``use_bsc``):

1. **Modality initialisation (MI)**, :func:`whiten` / :func:`modality_init`. Each modality matrix
   is centred and whitened, ``W(X) = U[:, :d] · sqrt(n/d)`` from its SVD (columns ordered by
   singular value, each with mean 0 and variance ``1/d``, so rows have norm about 1); items start
   at the weighted mean over modalities (text 5, image 1), users at the mean of their training
   items. Items without a modality (``feature_missing``) are left out of that modality's SVD and
   average over the modalities they have. If a modality has fewer than ``d`` usable directions
   (width or rank below ``d``), the missing columns are filled with ``N(0, 1/d)`` noise (same
   scale as the whitened ones) -- zero columns would be a saddle BPR can never leave. Without any
   feature (or ``use_mi=False``) the embeddings start ``N(0, init_std²)`` as in LightGCN.
   The content initialisation is kept in the buffer ``item_init`` for the forgetting measurement.
2. **Forward stepwise convolution (FSC)**, :func:`~core.models.sparse.stepwise_sum`. Column ``j``
   of the output is ``(1-β_j)/(1-β_j^{L+1}) Σ_l β_j^l (Â^l E)[:, j]`` with
   ``β_j = 0.9 (1 - (j/d)^γ)``, ``j = 0 .. d-1`` and ``Â`` the normalised user-item graph of the
   training interactions. ``use_fsc=False`` means no convolution at all: scores are inner products
   of the (MI-initialised) embeddings themselves, i.e. matrix factorisation.
3. **Backward stepwise convolution (BSC)**, :class:`~core.models.bsc_optimizer.BSCAdamW`. The item
   table's AdamW update is smoothed over an item-item kNN graph of the raw features (cosine, k per
   modality, union, symmetrised, normalised) with ``β'_j = 0.1 + 0.9 (j/d)^γ``; users get plain
   AdamW. ``use_bsc=False`` gives plain ``torch.optim.AdamW`` with the same settings.

Loss: BPR with one uniform negative; scores: inner products of FSC outputs, full ranking.
Every training step propagates over the whole graph (``L`` sparse products forward, ``L``
backward, plus ``L`` over the item kNN graph for BSC), so an epoch costs
``steps x O(edges)`` -- it grows with interactions x graph size (``benchmarks/graph_scaling.py``).

Weight decay: STAIR is trained with AdamW's decoupled decay. The trainer's ``weight_decay`` is
used when it is positive; when it is 0 (the trainer's default, "not set") the config's
``weight_decay`` applies, so ``--set weight_decay=0.1`` reproduces the reference setting.

Defaults (chosen on validation NDCG@20 of the shipped sample, 30 epochs, lr 1e-3, batch 128,
two seeds; nothing in the code depends on the dataset): ``gamma = 3`` and ``weight_decay = 0``.
The reference's ``γ = 0.1 .. 0.4`` and decay ``0.1 .. 0.3`` belong to sparse Amazon data (about
0.1 % density) trained for up to 500 epochs at batch 1024; on the denser sample (1.5 %) they
leave too few dimensions collaborative and shrink the embeddings too fast for a short budget
(valid NDCG@20 0.106 at ``γ=0.2``/0.1 vs 0.126 at ``γ=3``/0). Larger data sets with weak
collaborative signal may want smaller ``γ``: it is one ``--set gamma=...`` away.

Score bands (:meth:`STAIR.score_split`): since ``β_j`` falls monotonically with ``j``, the leading
dimensions ``j < split_dim`` are the strongly convolved, **collaborative** band and the trailing
ones ``j >= split_dim`` the **content**-preserving band. By default the boundary is where the
forward strength stops dominating the backward one: the collaborative band is the dims with
``β_j >= β'_j`` (equivalently ``β_j >= 1/2``, as ``β'_j = 1 - β_j``); ``split_dim`` overrides it.
Scores are inner products, so the two bands add up to the score exactly (up to float rounding).

New products (:meth:`STAIR.score_new`, ``Capabilities.new_items`` when MI is on): a product never
seen in training is placed in the content-initialisation space with the stored whitening map of
each modality (:func:`whiten_with_map`, buffers ``white_mean_<m>`` / ``white_proj_<m>``), and its
final embedding is the mean final embedding of its ``new_item_k = 100`` nearest trained products
there (``new_item_mode="neighbours"``, BSC's premise that content neighbours belong together).
Chosen on the validation half of the sample's held-out products (``--split new-items``, 10 %,
seed 0; ``benchmarks/stair_new_items.py``, ``benchmarks/results/new_items*/stair_modes``) with
STAIR trained as the graph models of docs/results.md are (lr 3e-3, patience 15): validation NDCG@20, random
order 0.0754 -- neighbours k=3 0.1389, k=10 0.1484, k=30 0.1596, **k=100 0.1606**; the product's
own content initialisation propagated as an isolated node (``"content"``) 0.1220; a ridge map
from the initialisations to the final embeddings (``"mapped"``) 0.1597. k=30, k=100 and
``mapped`` are within 0.001 of each other there (and at lr 1e-3 / 40 epochs: 0.1595, 0.1586,
0.1553), so validation barely separates them. Test for the choice: 0.1920 against 0.0685 for a
random order (2.80x).

State: the user-item edge list (``adj_index``/``adj_value``) is resized on load; the per-modality
kNN lists ``knn_<modality>`` ``(n_items, k)`` and ``item_init`` have sizes known from the spec, so
a fresh model that loads a trained state dict scores identically without ``prepare``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from core.data.batches import Batch
from core.data.dataset import Dataset
from core.models.base import Capabilities, DataSpec
from core.models.bsc_optimizer import BSCAdamW
from core.models.caching import KeyedCache, tensor_state_key
from core.models.graph import GraphRecommender
from core.models.legacy_state import LaterBuffers, require_filled
from core.models.sparse import cosine_knn, cosine_nearest, knn_edges, stepwise_sum, to_sparse

BETA_MAX = 0.9  # the largest forward strength; the smallest backward strength is 1 - BETA_MAX


@dataclass(frozen=True)
class STAIRConfig:
    """STAIR hyper-parameters.

    Attributes:
        dim: Embedding width d.
        n_layers: Hops L of both stepwise convolutions.
        gamma: Shape of the per-dimension schedule (smaller: fewer strongly convolved dims and
            more dims smoothed by BSC; reference 0.1-0.4 on sparse Amazon data).
        text_weight: Weight of the text modality in the MI mean.
        image_weight: Weight of the image modality in the MI mean (other modalities weigh 1).
        knn_text: Neighbours per item in the text kNN graph (0: modality not used for BSC).
        knn_image: Neighbours per item in the image kNN graph (other modalities use this too).
        use_mi: Initialise from whitened modality features (else random normal).
        use_fsc: Forward stepwise convolution (else plain inner products, i.e. MF).
        use_bsc: Smooth item updates over the kNN graph (else plain AdamW).
        weight_decay: AdamW decoupled decay used when the trainer passes 0 (see module docstring;
            reference 0.1-0.3).
        init_std: Std of the random init (no features or ``use_mi=False``).
        split_dim: Boundary of the collaborative / content score bands (0: where ``β_j`` falls
            below 1/2, see :attr:`STAIR.split_dim`).
        new_item_mode: How a product never seen in training gets its final embedding
            (:meth:`STAIR.new_item_embeddings`): ``"neighbours"`` (mean final embedding of its
            ``new_item_k`` nearest trained products in the content-initialisation space) or
            ``"content"`` (its own whitened content initialisation, propagated as an isolated node)
            or ``"mapped"`` (its content initialisation through the linear map that best sends the
            trained products' initialisations to their final embeddings).
        new_item_k: Neighbours averaged by ``new_item_mode="neighbours"`` (at most a tenth of the
            catalogue: on a small one, the mean of nearly every product would make all new products
            alike).
    """

    dim: int = 64
    n_layers: int = 3
    gamma: float = 3.0
    text_weight: float = 5.0
    image_weight: float = 1.0
    knn_text: int = 5
    knn_image: int = 1
    use_mi: bool = True
    use_fsc: bool = True
    use_bsc: bool = True
    weight_decay: float = 0.0
    init_std: float = 0.1
    split_dim: int = 0
    new_item_mode: str = "neighbours"
    new_item_k: int = 100


def forward_betas(dim: int, gamma: float) -> torch.Tensor:
    """``(d,)`` FSC strengths ``β_j = 0.9 (1 - (j/d)^γ)``, ``j = 0 .. d-1`` (decreasing)."""
    t = (torch.arange(dim, dtype=torch.float64) / dim) ** gamma
    return (BETA_MAX * (1 - t)).float()


def backward_betas(dim: int, gamma: float) -> torch.Tensor:
    """``(d,)`` BSC strengths ``β'_j = 0.1 + 0.9 (j/d)^γ`` (increasing)."""
    t = (torch.arange(dim, dtype=torch.float64) / dim) ** gamma
    return ((1 - BETA_MAX) + BETA_MAX * t).float()


def whiten(x: np.ndarray | torch.Tensor, dim: int, generator: torch.Generator | None = None,
           block: int = 65536) -> tuple[torch.Tensor, torch.Tensor]:
    """Whitened ``(n, dim)`` representation ``U[:, :dim] · sqrt(n/dim)`` of centred ``x``.

    Computed from the eigen-decomposition of the smaller Gram matrix (``F x F`` or ``n x n``,
    float64, accumulated in row blocks), so memory stays at the size of ``x``. Directions with a
    singular value below ``1e-6`` of the largest (or beyond the width of ``x``) are replaced by
    ``N(0, 1/dim)`` noise columns.

    Returns:
        ``(W (n, dim) float32, singular values (r,) float64 descending)``, ``r`` usable directions.
    """
    out, sv, _, _ = whiten_with_map(x, dim, generator, block)
    return out, sv


def whiten_with_map(x: np.ndarray | torch.Tensor, dim: int, generator: torch.Generator | None = None,
                    block: int = 65536) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`whiten`, plus the affine map that whitens new rows the same way.

    A new row ``y`` ``(F,)`` maps to ``(y - mean) @ proj`` ``(dim,)``: the same whitened columns as
    the rows of ``x`` (``proj = V_r Σ_r^-1 · sqrt(n/dim)``), and 0 in the noise columns (their
    expected value).

    Returns:
        ``(W (n, dim), singular values (r,), mean (F,) float32, proj (F, dim) float32)``.
    """
    x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    n, f = x.shape
    mean = x.double().mean(0).float()  # (F,)
    out = torch.randn(n, dim, generator=generator, dtype=torch.float32) / dim ** 0.5
    proj = torch.zeros(f, dim, dtype=torch.float32)  # (F, dim)
    if n < 2:
        return out, torch.zeros(0, dtype=torch.float64), mean, proj
    if f <= n:
        gram = torch.zeros(f, f, dtype=torch.float64)
        for lo in range(0, n, block):
            xb = (x[lo:lo + block] - mean).double()
            gram += xb.T @ xb
        evals, evecs = torch.linalg.eigh(gram)  # ascending
        evals, evecs = evals.flip(0), evecs.flip(1)
        sv = evals.clamp(min=0).sqrt()
        r = int(((sv > sv[0] * 1e-6) if sv[0] > 0 else sv > 0)[:dim].sum())
        v = evecs[:, :r] / sv[:r]  # (F, r): U = Xc V Σ^-1
        u = torch.cat([((x[lo:lo + block] - mean).double() @ v) for lo in range(0, n, block)])
    else:
        xc = (x - mean).double()
        evals, evecs = torch.linalg.eigh(xc @ xc.T)  # (n, n); n < F here
        evals, evecs = evals.flip(0), evecs.flip(1)
        sv = evals.clamp(min=0).sqrt()
        r = int(((sv > sv[0] * 1e-6) if sv[0] > 0 else sv > 0)[:dim].sum())
        u = evecs[:, :r]
        v = xc.T @ u / sv[:r] ** 2  # (F, r): Xc V Σ^-1 with V = Xc^T U Σ^-1
    out[:, :r] = (u * (n / dim) ** 0.5).float()
    proj[:, :r] = (v * (n / dim) ** 0.5).float()
    return out, sv[:r], mean, proj


def modality_init(features: dict[str, np.ndarray], missing: dict[str, np.ndarray],
                  weights: dict[str, float], dim: int, generator: torch.Generator | None = None,
                  maps: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None) -> torch.Tensor:
    """``(n_items, dim)`` MI item initialisation: weighted mean of whitened modalities.

    Each modality is whitened over the items that have it; an item averages the modalities it
    has (weights renormalised); an item with none gets ``N(0, 1/dim)`` noise.

    Args:
        maps: If given, filled with modality -> ``(mean (F,), proj (F, dim))`` of every modality
            used (:func:`whiten_with_map`), to place new products in the same space.
    """
    n = next(iter(features.values())).shape[0]
    total = torch.zeros(n, dim)
    weight_sum = torch.zeros(n, 1)
    for name in sorted(features):
        w = float(weights.get(name, 1.0))
        if w <= 0:
            continue
        has = ~np.asarray(missing.get(name, np.zeros(n, dtype=bool)), dtype=bool)
        if has.sum() < 2:
            continue
        rows = torch.as_tensor(np.flatnonzero(has))
        white, _, mean, proj = whiten_with_map(features[name][has], dim, generator)
        total[rows] += w * white
        weight_sum[rows] += w
        if maps is not None:
            maps[name] = (mean, proj)
    out = total / weight_sum.clamp(min=1e-12)
    none = weight_sum[:, 0] == 0
    if none.any():
        out[none] = torch.randn(int(none.sum()), dim, generator=generator) / dim ** 0.5
    return out


NEW_ITEM_MODES = ("neighbours", "content", "mapped")
MAP_RIDGE = 1e-2  # ridge of the "mapped" least squares, relative to the mean eigenvalue of its Gram matrix


class STAIR(LaterBuffers, GraphRecommender):
    """STAIR (see the module docstring).

    Buffers ``white_mean_<m>`` ``(F,)`` and ``white_proj_<m>`` ``(F, d)`` keep the MI whitening of
    every modality (:func:`whiten_with_map`), so :meth:`score_new` places a new product in the
    content-initialisation space; NaN in checkpoints saved before they existed (such runs load
    and score, but cannot score new products).
    """

    batch_kind: ClassVar[str] = "pairs"

    def __init__(self, spec: DataSpec, config: STAIRConfig):
        super().__init__(spec)
        self.config = config
        d = config.dim
        if not 0 <= config.split_dim <= d:
            raise ValueError(f"split_dim must be in [0, dim={d}], got {config.split_dim}")
        if config.new_item_mode not in NEW_ITEM_MODES:
            raise ValueError(f"new_item_mode must be one of {NEW_ITEM_MODES}, got {config.new_item_mode!r}")
        if config.new_item_k < 1:
            raise ValueError(f"new_item_k must be at least 1, got {config.new_item_k}")
        self.user_emb = nn.Parameter(torch.randn(spec.n_users, d) * config.init_std)  # (U, d)
        self.item_emb = nn.Parameter(torch.randn(spec.n_items, d) * config.init_std)  # (I, d)
        self.register_buffer("item_init", self.item_emb.detach().clone())  # (I, d) content init E_I^0
        self.register_buffer("beta", forward_betas(d, config.gamma), persistent=False)  # (d,)
        self.register_buffer("beta_back", backward_betas(d, config.gamma), persistent=False)  # (d,)
        self.knn_modalities = tuple(m for m in sorted(spec.feature_dims) if self._knn_k(m) > 0)
        for m in self.knn_modalities:
            self.register_buffer(f"knn_{m}", torch.full((spec.n_items, self._knn_k(m)), -1, dtype=torch.long))
        for m, f in sorted(spec.feature_dims.items()):
            self.register_buffer(f"white_mean_{m}", torch.full((f,), float("nan")))  # (F,)
            self.register_buffer(f"white_proj_{m}", torch.full((f, d), float("nan")))  # (F, d)
        self._later_buffers = tuple(f"white_{k}_{m}" for m in sorted(spec.feature_dims) for k in ("mean", "proj"))
        self._item_graph_cache = KeyedCache()

    # ------------------------------------------------------------------ config helpers
    def _knn_k(self, modality: str) -> int:
        return self.config.knn_text if modality == "text" else self.config.knn_image

    def _modality_weight(self, modality: str) -> float:
        return {"text": self.config.text_weight, "image": self.config.image_weight}.get(modality, 1.0)

    @property
    def split_dim(self) -> int:
        """First dimension of the content band (dims before it are the collaborative band).

        ``config.split_dim`` when set; otherwise the number of dims with ``β_j >= 1/2``, i.e.
        where the forward convolution is at least as strong as the backward smoothing
        (``β'_j = 1 - β_j``), kept within ``[1, d-1]`` so both bands exist.
        """
        if self.config.split_dim:
            return self.config.split_dim
        return min(max(int((self.beta >= 0.5).sum()), 1), self.config.dim - 1)

    def knn(self, modality: str) -> torch.Tensor:
        """``(n_items, k)`` nearest items of every item in one modality (-1: none)."""
        return getattr(self, f"knn_{modality}")

    # ------------------------------------------------------------------ set-up
    def prepare(self, data: Dataset) -> None:
        self._set_graph(data)
        cfg, d = self.config, self.config.dim
        device = self.item_emb.device
        generator = torch.Generator().manual_seed(int(torch.randint(0, 2**31 - 1, (1,))))
        users, items = data.train_pairs()
        with torch.no_grad():
            if cfg.use_mi and data.features:
                weights = {m: self._modality_weight(m) for m in data.features}
                maps: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
                item_init = modality_init(data.features, data.feature_missing, weights, d, generator,
                                          maps)  # (I, d)
                for m in self.spec.feature_dims:  # a modality MI could not use maps every row to 0
                    mean, proj = maps.get(m, (torch.zeros(self.spec.feature_dims[m]),
                                              torch.zeros(self.spec.feature_dims[m], d)))
                    getattr(self, f"white_mean_{m}").copy_(mean.to(device))
                    getattr(self, f"white_proj_{m}").copy_(proj.to(device))
                pairs = np.unique(users.astype(np.int64) * data.n_items + items)
                u_idx, i_idx = torch.as_tensor(pairs // data.n_items), torch.as_tensor(pairs % data.n_items)
                user_init = torch.zeros(data.n_users, d).index_add_(0, u_idx, item_init[i_idx])
                counts = torch.bincount(u_idx, minlength=data.n_users).clamp(min=1)[:, None]
                user_init = user_init / counts  # (U, d) mean of the user's training items
                self.user_emb.copy_(user_init.to(device))
                self.item_emb.copy_(item_init.to(device))
            self.item_init.copy_(self.item_emb)
            for m in self.knn_modalities:
                if m in data.features:
                    nb = cosine_knn(data.features[m], self._knn_k(m), valid=~data.feature_missing[m])
                    self.knn(m).copy_(nb.to(device))

    def item_graph(self) -> torch.Tensor:
        """``(I, I)`` sparse normalised item-item kNN graph (union of modalities, symmetric)."""
        lists = [self.knn(m) for m in self.knn_modalities]

        def build():
            index, value = knn_edges(lists, self.spec.n_items)
            return to_sparse(index, value, self.spec.n_items).to(self.item_emb.device)

        return self._item_graph_cache.get((*tensor_state_key(lists), str(self.item_emb.device)), build)

    def make_optimizer(self, lr: float, weight_decay: float) -> torch.optim.Optimizer:
        wd = weight_decay if weight_decay > 0 else self.config.weight_decay
        if not self.config.use_bsc:
            return torch.optim.AdamW(self.parameters(), lr=lr, weight_decay=wd)
        groups = [{"params": [self.user_emb], "smooth": False}, {"params": [self.item_emb], "smooth": True}]
        return BSCAdamW(groups, graph=self.item_graph, smooth_betas=self.beta_back, n_layers=self.config.n_layers,
                        lr=lr, weight_decay=wd)

    # ------------------------------------------------------------------ forward
    def _propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.cat([self.user_emb, self.item_emb])  # (U+I, d)
        if self.config.use_fsc:
            x = stepwise_sum(self.adjacency(), x, self.beta, self.config.n_layers)
        return x[:self.spec.n_users], x[self.spec.n_users:]

    @property
    def capabilities(self) -> Capabilities:
        """Two exact parts, the collaborative and the content-preserving dimension bands; new
        products when the embeddings start from content (MI on, with features)."""
        return Capabilities(parts=("collaborative", "content"), removable=True,
                            new_items=self.config.use_mi and bool(self.spec.feature_dims))

    # ------------------------------------------------------------------ new products
    def content_init(self, content: dict[str, torch.Tensor]) -> torch.Tensor:
        """``(J, d)`` the MI initialisation new products would have had: each modality they have
        whitened with the training map (:func:`whiten_with_map`), weighted as in
        :func:`modality_init`; 0 for a product with no content (training gave such rows noise).

        Raises:
            ValueError: For a checkpoint saved before the whitening was stored (retrain), or
                features of the wrong width or disagreeing row counts.
        """
        require_filled(self, list(self._later_buffers), "scoring unseen products")
        dims = self.spec.feature_dims
        counts = {len(v) for m, v in content.items() if m in dims}
        if len(counts) > 1:
            raise ValueError(f"new products' feature matrices disagree on the number of products: "
                             f"{ {m: len(v) for m, v in content.items()} }")
        j, d, device = (counts.pop() if counts else 0), self.config.dim, self.item_emb.device
        total, weight_sum = torch.zeros(j, d, device=device), torch.zeros(j, 1, device=device)
        for m in sorted(dims):
            proj = getattr(self, f"white_proj_{m}")  # (F, d)
            w = self._modality_weight(m)
            if m not in content or w <= 0 or not proj.any():
                continue
            f = torch.as_tensor(content[m], dtype=torch.float32, device=device)
            if f.ndim != 2 or f.shape[1] != dims[m]:
                raise ValueError(f"new products' {m} features have shape {tuple(f.shape)}; the model was "
                                 f"trained on {dims[m]}-d {m} features (J, {dims[m]})")
            has = (f.abs().sum(1) > 0)[:, None].float()  # (J, 1)
            total += w * has * ((f - getattr(self, f"white_mean_{m}")) @ proj)  # (J, d)
            weight_sum += w * has
        return total / weight_sum.clamp(min=1e-12)  # (J, d)

    @torch.no_grad()
    def new_item_embeddings(self, content: dict[str, torch.Tensor]) -> torch.Tensor:
        """``(J, d)`` final embeddings of products never seen in training (``config.new_item_mode``).

        - ``"neighbours"``: the mean final embedding of the ``new_item_k`` (at most N/10) trained products
          nearest (cosine) to the product's :meth:`content_init` in the content-initialisation
          space ``item_init`` -- BSC's premise that content neighbours should sit together
          (:func:`~core.models.sparse.cosine_nearest`, O(J x N x d)).
        - ``"content"``: :meth:`content_init` propagated as an isolated node (no edges), i.e.
          scaled per dimension by the FSC normalisation ``(1-β_j)/(1-β_j^{L+1})``.
        - ``"mapped"``: ``content_init @ W`` with ``W`` ``(d, d)`` the ridge least-squares map from
          the trained products' ``item_init`` to their final embeddings (O(N x d²)).
        """
        init = self.content_init(content)  # (J, d)
        if self.config.new_item_mode == "content":
            return stepwise_sum(None, init, self.beta, self.config.n_layers) if self.config.use_fsc else init
        if self.config.new_item_mode == "mapped":
            return init @ self.content_map()  # (J, d)
        _, items = self.final_embeddings()  # (N, d)
        k = min(self.config.new_item_k, max(1, self.spec.n_items // 10))
        nearest = cosine_nearest(init, self.item_init, k)  # (J, k)
        return items[nearest].mean(1)  # (J, d)

    @torch.no_grad()
    def content_map(self) -> torch.Tensor:
        """``(d, d)`` ridge least-squares ``W`` with ``item_init @ W ≈`` the final item embeddings
        (ridge :data:`MAP_RIDGE` x the mean eigenvalue of ``item_init^T item_init``)."""
        _, items = self.final_embeddings()  # (N, d)
        x = self.item_init.double()  # (N, d)
        gram = x.T @ x  # (d, d)
        ridge = MAP_RIDGE * gram.diagonal().mean().clamp(min=1e-12)
        eye = torch.eye(len(gram), dtype=gram.dtype, device=gram.device)
        return torch.linalg.solve(gram + ridge * eye, x.T @ items.double()).float()  # (d, d)

    @torch.no_grad()
    def score_new(self, batch: Batch, content: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The two score bands of J new products: ``{"collaborative": (B, J), "content": (B, J)}``.

        Customers keep their trained final embeddings; the products' come from their content
        (:meth:`new_item_embeddings`), split at :attr:`split_dim` as in :meth:`score_split`.
        """
        if not self.capabilities.new_items:
            return super().score_new(batch, content)  # raises: no content initialisation to start from
        items = self.new_item_embeddings(content)  # (J, d)
        users, _ = self.final_embeddings()
        u, s = users[batch.users], self.split_dim  # (B, d)
        return {"collaborative": u[:, :s] @ items[:, :s].T, "content": u[:, s:] @ items[:, s:].T}  # (B, J) each

    def score_split(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Scores split into the collaborative (``j < split_dim``) and content (``j >= split_dim``)
        dimension bands: ``{"collaborative": (B, N), "content": (B, N)}``, summing to
        :meth:`score_all`."""
        users, items = self.final_embeddings()
        u, s = users[batch.users], self.split_dim  # (B, d)
        return {"collaborative": u[:, :s] @ items[:, :s].T, "content": u[:, s:] @ items[:, s:].T}

    def score_parts(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The two score bands of :meth:`score_split` (``{"collaborative", "content"}``, each ``(B, N)``)."""
        return self.score_split(batch)

    def score_without(self, batch: Batch, part: str) -> torch.Tensor:
        """``(B, N)`` scores with one band's dimensions zeroed (what is left is the other band)."""
        bands = self.score_split(batch)
        if part not in bands:
            raise ValueError(f"STAIR has no score band {part!r}; it has {sorted(bands)}")
        return sum(v for k, v in bands.items() if k != part)

    def score_without_each(self, batch: Batch, parts: list[str]) -> torch.Tensor:
        """``(P, B, N)``: :meth:`score_without` for every band in ``parts`` from one :meth:`score_split`."""
        bands = self.score_split(batch)
        unknown = [p for p in parts if p not in bands]
        if unknown:
            raise ValueError(f"STAIR has no score band {unknown[0]!r}; it has {sorted(bands)}")
        return torch.stack([sum(v for k, v in bands.items() if k != p) for p in parts])  # (P, B, N)
