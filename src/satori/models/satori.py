"""The SATORI network: conv block -> (plug-ins) -> self-attention -> (plug-ins) -> readout.

Position bookkeeping (used by every interpreter): the first convolution has no padding,
so conv position ``i`` is exactly the k-mer ``X[:, :, i:i+k]``; max-pooling with window
and stride ``p`` makes pooled position ``j`` cover conv positions ``j*p .. j*p+p-1``.
Hence ``L_conv = L - k + 1`` and ``L' = L_conv // p`` (a tail shorter than ``p`` is
dropped by the pooling).
"""

from dataclasses import asdict, dataclass, fields
from typing import Optional

import torch
from torch import nn

from satori.models.attention import MultiHeadSelfAttention

CONFIG_FORMAT = 1


@dataclass
class ModelConfig:
    """Everything needed to rebuild a model (saved as ``config.json``).

    Defaults follow the paper's simulated-data baseline (Supplementary Table S2 range):
    200 filters of width 13, pool 4, 4 heads of size 64, a 512-unit linear layer and
    dropout 0.2.
    """

    length: int = 300
    n_labels: int = 1
    label_names: Optional[list] = None
    arch: str = "basic"
    n_filters: int = 200
    filter_width: int = 13
    pool: int = 4
    batchnorm: bool = False
    dropout: float = 0.2
    n_heads: int = 4
    head_dim: int = 64
    attn_dropout: float = 0.0
    linear_units: int = 512
    format: int = CONFIG_FORMAT

    @property
    def conv_length(self) -> int:
        return self.length - self.filter_width + 1

    @property
    def pooled_length(self) -> int:
        return self.conv_length // self.pool

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown model settings {unknown}")
        return cls(**d)

    def validate(self) -> None:
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"unknown architecture '{self.arch}' (known: {', '.join(ARCHITECTURES)})")
        for name in ("length", "n_labels", "n_filters", "filter_width", "pool", "n_heads", "head_dim", "linear_units"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 (got {getattr(self, name)})")
        if not 0.0 <= self.dropout < 1.0 or not 0.0 <= self.attn_dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        if self.pooled_length < 2:
            raise ValueError(
                f"sequence length {self.length} is too short for filter width {self.filter_width} "
                f"and pool {self.pool} (fewer than 2 pooled positions)"
            )


class SatoriModel(nn.Module):
    """SATORI: one-hot -> conv/ReLU/pool/dropout -> multi-head self-attention -> readout.

    The stages are attributes so variants plug in without touching the rest:
    ``features`` (first block, conv output (n, F, L')), ``pre_attention`` (a module list
    applied to (n, L', C) before attention: BiLSTM, positional encoding),
    ``attention``, ``post_attention`` (module list on (n, L', C), the deep block) and
    ``readout`` (to one logit per label).

    Forward: ``model(X)`` returns logits, shape=(n, n_labels). With
    ``return_attention=True`` it returns ``(logits, probs)``, probs shape=(n, h, L', L')
    (pre-dropout). ``attention=`` replaces the attention probabilities (for integrated
    gradients over attention).
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        config.validate()
        self.config = config
        c = config
        layers = [nn.Conv1d(4, c.n_filters, c.filter_width, padding=0)]
        if c.batchnorm:
            layers.append(nn.BatchNorm1d(c.n_filters))
        layers.append(nn.ReLU())
        self.conv = nn.Sequential(*layers)
        self.pool = nn.MaxPool1d(c.pool) if c.pool > 1 else nn.Identity()
        self.dropout = nn.Dropout(c.dropout)
        self.pre_attention = nn.ModuleList()
        self.attention = MultiHeadSelfAttention(c.n_filters, c.n_heads, c.head_dim, c.attn_dropout)
        self.post_attention = nn.ModuleList()
        attn_out = c.n_heads * c.head_dim
        self.readout = nn.Sequential(
            nn.Linear(attn_out, c.linear_units),
            nn.ReLU(),
            nn.Dropout(c.dropout),
            nn.Flatten(),
            nn.Linear(c.pooled_length * c.linear_units, c.n_labels),
        )

    def conv_activations(self, X: torch.Tensor) -> torch.Tensor:
        """First-layer activations after ReLU, before pooling.

        X: shape=(n, 4, L) float. Returns shape=(n, F, L - k + 1); position i is the
        k-mer X[:, :, i:i+k].
        """
        return self.conv(X)

    def forward(
        self,
        X: torch.Tensor,
        return_attention: bool = False,
        attention: Optional[torch.Tensor] = None,
    ):
        h = self.dropout(self.pool(self.conv(X)))  # (n, F, L')
        h = h.transpose(1, 2)  # (n, L', F)
        for block in self.pre_attention:
            h = block(h)
        h, probs = self.attention(h, attention=attention)  # (n, L', h*d), (n, heads, L', L')
        for block in self.post_attention:
            h = block(h)
        logits = self.readout(h)
        if return_attention:
            return logits, probs
        return logits


ARCHITECTURES = {"basic": SatoriModel}
