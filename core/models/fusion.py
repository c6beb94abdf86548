"""Late fusion of modality streams: each stream learns alone, learned weights add their scores.

In HM4SR's joint training one cross-entropy over the summed score trains every stream, so the
streams co-adapt: on a catalogue whose content is weak (MovieLens-100k: titles, years, genres)
the text stream soaks up what the ID stream would have learned and the sum overfits, below a
model of IDs alone. With late fusion each modality's stream is trained by its own next-item
cross-entropy, as if it were the only one, and the score is ``s_j = Σ_m w_m s_m,j``, with the
weights ``w_m > 0`` learned by a cross-entropy on the summed score whose per-modality scores are
detached (it moves w and nothing else). A modality that adds nothing ends with a small w, and
the model falls back to the others; scores stay an exact sum of per-modality parts.

With up to 80 epochs it ranks better than joint training on the sample and on MovieLens-100k,
in each of three seeds, but it is not HM4SR's default: the ID stream ends with the largest
weight, so a new product (content only, no ID vector) rarely beats the catalogue, and the
launch simulator no longer finds the sample's planted visual audiences (docs/models.md, docs/results.md: "Late fusion").
The default keeps joint training and adds each stream's own cross-entropy to it instead
(``HM4SRConfig.stream_weight``), which keeps most of those audiences.
"""

from __future__ import annotations

import torch
from torch import nn

#: How modality streams are trained and combined (see HM4SRConfig.fusion).
FUSIONS: tuple[str, ...] = ("joint", "late")


class FusionWeights(nn.Module):
    """The weights ``w = exp(SCALE · θ)`` ``(M,)``, θ starting at 0 (every w = 1).

    Adam moves a parameter by about its learning rate per step, so a plain log-weight would move
    at most about 0.76 in the 760 steps of 40 epochs on MovieLens-100k; the scale lets w cross an
    order of magnitude within a few epochs.
    """

    SCALE = 10.0

    def __init__(self, n_modalities: int):
        super().__init__()
        self.theta = nn.Parameter(torch.zeros(n_modalities))

    @property
    def value(self) -> torch.Tensor:
        """``(M,)`` the weights w."""
        return torch.exp(self.SCALE * self.theta)

    def scale(self, h: torch.Tensor) -> torch.Tensor:
        """``(..., M, D)`` states with modality m's multiplied by w_m (its score part scales with it)."""
        return h * self.value[:, None]  # (..., M, D)
