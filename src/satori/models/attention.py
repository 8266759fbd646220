"""Multi-head self-attention built from hookable modules.

Q, K and V are ``nn.Linear`` maps, the two products are tangermeme ``BilinearOp``
modules and the normalisation is ``nn.Softmax``, so DeepLIFT (tangermeme's
``deep_lift_shap``) has a rule for every non-linear step. The attention
probabilities can be returned and replaced from outside (integrated gradients over
attention).
"""

import math
from typing import Optional, Tuple

import torch
from torch import nn
from tangermeme.deep_lift_shap import BilinearOp


class RelativePositionBias(nn.Module):
    """A learned bias per head and offset, added to the attention logits.

    Self-attention on its own is blind to distance: swapping two positions swaps their
    rows and columns of the attention map and nothing else, so a head cannot tell a
    partner 10 bp away from one 200 bp away. This table gives each head one learned
    number per offset ``key - query`` (in pooled positions, -(L'-1) .. L'-1), as in
    Shaw et al. (2018) and T5, so a head can learn to look near its query (or far from
    it). It starts at zero: the untrained model is the plain attention.

    n_heads: int
    length: int
        Number of positions L' (the pooled length).

    The table trains at ``lr_scale`` times the learning rate (a class attribute, read by
    ``satori.train.loop.make_optimizer`` for the module's own parameters): from zero, at
    Adam's ~lr per step, it would otherwise stay below one logit for the first thousand
    steps.

    Forward: () -> bias, shape=(h, L', L'), ``bias[k, i, j] = table[k, j - i + L' - 1]``.
    """

    lr_scale = 30.0

    def __init__(self, n_heads: int, length: int):
        super().__init__()
        self.length = length
        self.table = nn.Parameter(torch.zeros(n_heads, 2 * length - 1))
        pos = torch.arange(length)
        self.register_buffer("index", pos[None, :] - pos[:, None] + length - 1, persistent=False)

    def forward(self) -> torch.Tensor:
        return self.table[:, self.index]  # (h, L', L')

    def by_offset(self) -> torch.Tensor:
        """The table, shape=(h, 2L'-1); column ``o + L' - 1`` holds offset ``o``."""
        return self.table.detach()


class MultiHeadSelfAttention(nn.Module):
    """Self-attention with ``n_heads`` heads of size ``head_dim``.

    Parameters
    ----------
    in_features: int
        Features per position of the input (the number of conv filters).
    n_heads: int
        Number of heads h.
    head_dim: int
        Size d of each head's query/key/value vectors.
    attn_dropout: float
        Dropout on the attention probabilities (applied after they are returned, so the
        entropy loss sees the pre-dropout attention).
    relative_length: int
        0 (default): no position information. L' > 0: add a learned
        ``RelativePositionBias`` over L' positions to the logits (inputs must then have
        exactly L' positions).
    """

    def __init__(self, in_features: int, n_heads: int, head_dim: int, attn_dropout: float = 0.0,
                 relative_length: int = 0):
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = head_dim
        self.query = nn.Linear(in_features, n_heads * head_dim)
        self.key = nn.Linear(in_features, n_heads * head_dim)
        self.value = nn.Linear(in_features, n_heads * head_dim)
        self.scores = BilinearOp()
        self.softmax = nn.Softmax(dim=-1)
        self.mix = BilinearOp()
        self.dropout = nn.Dropout(attn_dropout)
        self.position_bias = RelativePositionBias(n_heads, relative_length) if relative_length > 0 else None

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        # (n, L, h*d) -> (n, h, L, d)
        n, length, _ = x.shape
        return x.view(n, length, self.n_heads, self.head_dim).transpose(1, 2)

    def forward(
        self, x: torch.Tensor, attention: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Attend.

        x: torch.Tensor, shape=(n, L, in_features).
        attention: torch.Tensor or None, shape=(n, h, L, L)
            If given, used instead of the computed probabilities (attribution hook).

        Returns ``(out, probs)``: out shape=(n, L, h*d); probs shape=(n, h, L, L), the
        attention actually used (pre-dropout), rows summing to 1 unless replaced.
        """
        n, length, _ = x.shape
        q = self._split(self.query(x)) / math.sqrt(self.head_dim)
        k = self._split(self.key(x))
        v = self._split(self.value(x))
        if attention is None:
            logits = self.scores(q, k.transpose(-2, -1))  # (n, h, L, L)
            if self.position_bias is not None:
                if length != self.position_bias.length:
                    raise ValueError(
                        f"relative position bias built for {self.position_bias.length} positions, got {length}"
                    )
                # a constant added before the softmax: DeepLIFT's softmax rule sees it cancel
                # between input and reference, so attributions stay exact
                logits = logits + self.position_bias()[None]
            probs = self.softmax(logits)
        else:
            if attention.shape != (n, self.n_heads, length, length):
                raise ValueError(
                    f"attention override has shape {tuple(attention.shape)}, expected "
                    f"{(n, self.n_heads, length, length)}"
                )
            probs = attention
        z = self.mix(self.dropout(probs), v)  # (n, h, L, d)
        out = z.transpose(1, 2).reshape(n, length, self.n_heads * self.head_dim)
        return out, probs


def attention_entropy(probs: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """The paper's entropy term Loss_e, averaged over the batch.

    Loss_e = -sum_heads (1/n_rows) sum_rows sum_cols A log A, with 0 log 0 = 0.

    probs: torch.Tensor, shape=(n, h, L, L), rows summing to 1.
    reduction: "mean" (default) returns a scalar tensor, the mean over the n
        sequences; "none" returns the per-sequence values, shape=(n,).
    """
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none' (got {reduction!r})")
    # p * log(max(p, tiny)) equals xlogy(p, p) but keeps a finite gradient where the
    # softmax underflows to exactly 0 (xlogy's gradient there is log 0 = -inf, and
    # -inf * 0 from the softmax backward gives NaN weights).
    plogp = probs * torch.log(probs.clamp_min(torch.finfo(probs.dtype).tiny))  # (n, h, L, L)
    per_head = -plogp.sum(dim=-1).mean(dim=-1)  # (n, h)
    per_seq = per_head.sum(dim=-1)  # (n,)
    return per_seq if reduction == "none" else per_seq.mean()
