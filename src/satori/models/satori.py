"""The SATORI network: conv block -> (plug-ins) -> self-attention -> (plug-ins) -> readout.

Variants (issue 7), all switched on by ``ModelConfig`` fields and recorded in
``config.json``: ``arch="deep"`` (SEI-inspired convolutions after attention,
``satori.models.deep``), ``rnn`` (a bidirectional LSTM before attention),
``positional_encoding`` (sinusoidal, before attention), ``relative_positions`` (a learned
bias per head and offset on the attention logits), ``residual_attention`` (the
first conv block's output added to the attention output) and ``filter_motifs`` (a
first convolution pre-loaded with motif PSSMs and frozen, ``satori.models.preloaded``).

Position bookkeeping (used by every interpreter): the first convolution has no padding,
so conv position ``i`` is exactly the k-mer ``X[:, :, i:i+k]``; max-pooling with window
and stride ``p`` makes pooled position ``j`` cover conv positions ``j*p .. j*p+p-1``.
Hence ``L_conv = L - k + 1`` and ``L' = L_conv // p`` (a tail shorter than ``p`` is
dropped by the pooling).
"""

import math
from dataclasses import asdict, dataclass, fields
from typing import Optional

import torch
from torch import nn

from satori.models.attention import MultiHeadSelfAttention
from satori.models.layers import BiLSTM, PositionalEncoding

CONFIG_FORMAT = 1
READOUTS = ("flatten", "mean")


@dataclass
class ModelConfig:
    """Everything needed to rebuild a model (saved as ``config.json``).

    Defaults follow the paper's simulated-data baseline (Supplementary Table S2 range):
    200 filters of width 13, pool 4, 4 heads of size 64, a 512-unit linear layer and
    dropout 0.2.

    Variant fields (their defaults give the basic model, so a ``config.json`` written
    before they existed loads unchanged):

    rnn: bool
        Bidirectional LSTM between the conv block and attention (SATORI v1).
    rnn_hidden: int
        LSTM units per direction; 0 = ceil(n_filters / 2). Attention then sees
        2 * rnn_units features per position.
    positional_encoding: bool
        Add a sinusoidal positional encoding to the attention input.
    relative_positions: bool
        Add a learned bias per head and offset (key - query, pooled positions) to the
        attention logits (``satori.models.attention.RelativePositionBias``), so attention
        can prefer partners at some distances; without it attention cannot see distance.
    residual_attention: bool
        Add the conv block's output (n, L', F) to the attention output (n, L', h*d),
        through a bias-free linear map when F != h*d (the paper's deep model with the
        entropy loss).
    readout: str
        The basic head after the per-position linear layer: ``flatten`` (the paper: one
        weight per position and unit) or ``mean`` (mean over positions, then one logit per
        label; counts motifs wherever they sit). Ignored by ``arch="deep"``, whose head
        always averages over positions.
    deep_channels, deep_kernel, deep_blocks, deep_dilations:
        The SEI-inspired block of ``arch="deep"``: channels, kernel width, number of
        residual dual linear/non-linear sub-blocks and the dilations of the residual
        dilated convolutions (``satori.models.deep``).
    filter_motifs: list of dict or None
        Pre-loaded first layer: one entry per filter (``id``, ``name``, ``strand``,
        ``width``, ``threshold``, ...; ``satori.models.preloaded``). The filters score
        motif log-odds PSSMs and are frozen; None = trainable filters.
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
    rnn: bool = False
    rnn_hidden: int = 0
    positional_encoding: bool = False
    relative_positions: bool = False
    residual_attention: bool = False
    readout: str = "flatten"
    deep_channels: int = 128
    deep_kernel: int = 5
    deep_blocks: int = 2
    deep_dilations: tuple = (2, 4, 8)
    filter_motifs: Optional[list] = None
    format: int = CONFIG_FORMAT

    def __post_init__(self):
        # JSON gives lists; keep one type so configs compare equal after a round trip
        self.deep_dilations = tuple(int(d) for d in self.deep_dilations)

    @property
    def conv_length(self) -> int:
        return self.length - self.filter_width + 1

    @property
    def pooled_length(self) -> int:
        return self.conv_length // self.pool

    @property
    def preloaded(self) -> bool:
        """True when the first convolution is pre-loaded with motif PSSMs (frozen)."""
        return self.filter_motifs is not None

    @property
    def rnn_units(self) -> int:
        """LSTM units per direction (``rnn_hidden``, or ceil(n_filters / 2) when 0)."""
        return self.rnn_hidden if self.rnn_hidden > 0 else math.ceil(self.n_filters / 2)

    @property
    def attention_in_features(self) -> int:
        """Features per position entering attention: 2 * rnn_units with the BiLSTM, else F."""
        return 2 * self.rnn_units if self.rnn else self.n_filters

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
        if self.readout not in READOUTS:
            raise ValueError(f"unknown readout '{self.readout}' (known: {', '.join(READOUTS)})")
        if not 0.0 <= self.dropout < 1.0 or not 0.0 <= self.attn_dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        if self.pooled_length < 2:
            raise ValueError(
                f"sequence length {self.length} is too short for filter width {self.filter_width} "
                f"and pool {self.pool} (fewer than 2 pooled positions)"
            )
        if self.rnn_hidden < 0:
            raise ValueError(f"rnn_hidden must be >= 0 (got {self.rnn_hidden})")
        for name in ("deep_channels", "deep_kernel", "deep_blocks"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 (got {getattr(self, name)})")
        if any(d < 1 for d in self.deep_dilations):
            raise ValueError(f"deep_dilations must be >= 1 (got {list(self.deep_dilations)})")
        if self.filter_motifs is not None:
            self._validate_filter_motifs()

    def _validate_filter_motifs(self) -> None:
        fm = self.filter_motifs
        if not isinstance(fm, list) or len(fm) != self.n_filters:
            raise ValueError(
                f"filter_motifs must list one entry per filter ({self.n_filters}), got "
                f"{len(fm) if isinstance(fm, list) else type(fm).__name__}"
            )
        for i, entry in enumerate(fm):
            if not isinstance(entry, dict) or not {"id", "name", "strand", "width", "threshold"} <= set(entry):
                raise ValueError(f"filter_motifs[{i}] needs id, name, strand, width and threshold")
            if not 1 <= int(entry["width"]) <= self.filter_width:
                raise ValueError(f"filter_motifs[{i}]: width {entry['width']} exceeds filter_width {self.filter_width}")
        if self.batchnorm:
            raise ValueError("pre-loaded filters score the PSSM exactly: batch normalisation is not allowed with them")


class MeanOverPositions(nn.Module):
    """(n, L', C) -> (n, C): the mean over positions (linear, so DeepLIFT passes it)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=1)


class SatoriModel(nn.Module):
    """SATORI: one-hot -> conv/ReLU/pool/dropout -> multi-head self-attention -> readout.

    The stages are attributes so variants plug in without touching the rest:
    ``conv`` + ``pool`` + ``dropout`` (first block, output (n, F, L')),
    ``pre_attention`` (a module list applied to (n, L', C) before attention: BiLSTM,
    positional encoding), ``attention``, ``attention_residual`` (None, or the map of
    the first block's output added to the attention output), ``post_attention``
    (module list on (n, L', C), the deep block) and ``readout`` (to one logit per
    label). Subclasses change the head by overriding ``_build_head``.

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
        # Pre-loaded filters score the log-odds PSSM exactly: no bias, no BatchNorm, frozen;
        # the weights come from ``preloaded.load_filters`` or from model.pt.
        conv = nn.Conv1d(4, c.n_filters, c.filter_width, padding=0, bias=not c.preloaded)
        if c.preloaded:
            nn.init.zeros_(conv.weight)
            conv.weight.requires_grad_(False)
        layers = [conv]
        if c.batchnorm:
            layers.append(nn.BatchNorm1d(c.n_filters))
        layers.append(nn.ReLU())
        self.conv = nn.Sequential(*layers)
        self.pool = nn.MaxPool1d(c.pool) if c.pool > 1 else nn.Identity()
        self.dropout = nn.Dropout(c.dropout)
        self.pre_attention = nn.ModuleList()
        if c.rnn:
            self.pre_attention.append(BiLSTM(c.n_filters, c.rnn_units))
        if c.positional_encoding:
            self.pre_attention.append(PositionalEncoding(c.pooled_length, c.attention_in_features))
        self.attention = MultiHeadSelfAttention(
            c.attention_in_features, c.n_heads, c.head_dim, c.attn_dropout,
            relative_length=c.pooled_length if c.relative_positions else 0,
        )
        attn_out = c.n_heads * c.head_dim
        self.attention_residual = None
        if c.residual_attention:
            self.attention_residual = (
                nn.Identity() if c.n_filters == attn_out else nn.Linear(c.n_filters, attn_out, bias=False)
            )
        self.post_attention = nn.ModuleList()
        self._build_head()

    def _build_head(self) -> None:
        """The basic head: per-position linear layer + ReLU, then ``config.readout``.

        flatten: (n, L', U) -> (n, L'*U) -> Linear -> (n, n_labels) (the paper).
        mean: (n, L', U) -> mean over positions (n, U) -> Linear -> (n, n_labels).
        """
        c = self.config
        layers = [nn.Linear(c.n_heads * c.head_dim, c.linear_units), nn.ReLU(), nn.Dropout(c.dropout)]
        if c.readout == "mean":
            layers += [MeanOverPositions(), nn.Linear(c.linear_units, c.n_labels)]
        else:
            layers += [nn.Flatten(), nn.Linear(c.pooled_length * c.linear_units, c.n_labels)]
        self.readout = nn.Sequential(*layers)

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
        features = h.transpose(1, 2)  # (n, L', F)
        h = features
        for block in self.pre_attention:
            h = block(h)  # (n, L', C)
        h, probs = self.attention(h, attention=attention)  # (n, L', h*d), (n, heads, L', L')
        if self.attention_residual is not None:
            h = h + self.attention_residual(features)
        for block in self.post_attention:
            h = block(h)
        logits = self.readout(h)
        if return_attention:
            return logits, probs
        return logits


ARCHITECTURES = {"basic": SatoriModel}
