"""SATORI-deep: an SEI-inspired convolutional block after the attention layer.

After attention (and the optional residual from the first conv block), the features
(n, L', C) are transposed to (n, C, L') and convolved along the SEQUENCE axis
(``Conv1d`` over positions, features as channels; the original code convolved along the
feature axis):

1. ``deep_blocks`` residual dual linear/non-linear sub-blocks (SEI's ``lconv``/``conv``
   pairs): a linear path of two convolutions, then a non-linear path of two
   convolutions with ReLU on its output, and their sum
   ``lin + nonlinear(lin)``: computation may take either path.
2. One residual dilated convolution per entry of ``deep_dilations``:
   ``x + ReLU(conv_dilated(x))``, widening the receptive field.
3. Average over positions, a fully connected layer (``linear_units``, ReLU, dropout)
   and the output layer (one logit per label).

Every convolution keeps the length (``padding="same"``), has ``deep_channels``
channels and width ``deep_kernel``; dropout (the model's ``dropout``) precedes each
sub-block's convolutions, as in SEI. SEI also max-pools between its blocks; here the
attention output is already pooled (L' = (L - k + 1) // p), so the block keeps L'.
The paper's Supplementary Table S3 (its exact sizes) is not part of our reference: the
defaults (128 channels, width 5, 2 dual sub-blocks, dilations 2, 4, 8) are ours.

All operations are modules or additions (no in-place ops, each ReLU module used once),
so DeepLIFT rules apply.
"""

from typing import Sequence

import torch
from torch import nn

from satori.models.satori import MeanOverPositions, ModelConfig, SatoriModel


class DualConvBlock(nn.Module):
    """Residual dual linear / non-linear sub-block (SEI).

    Forward: x shape=(n, c_in, L') -> shape=(n, c_out, L'): ``lin + nonlinear(lin)``
    with ``lin = linear(x)``.
    """

    def __init__(self, c_in: int, c_out: int, kernel: int, dropout: float):
        super().__init__()
        self.linear = nn.Sequential(
            nn.Dropout(dropout),
            nn.Conv1d(c_in, c_out, kernel, padding="same"),
            nn.Conv1d(c_out, c_out, kernel, padding="same"),
        )
        self.nonlinear = nn.Sequential(
            nn.Dropout(dropout),
            nn.Conv1d(c_out, c_out, kernel, padding="same"),
            nn.ReLU(),
            nn.Conv1d(c_out, c_out, kernel, padding="same"),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lin = self.linear(x)
        return lin + self.nonlinear(lin)


class DilatedResidual(nn.Module):
    """``x + ReLU(dilated_conv(dropout(x)))``; x shape=(n, c, L') -> same shape."""

    def __init__(self, channels: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.body = nn.Sequential(
            nn.Dropout(dropout),
            nn.Conv1d(channels, channels, kernel, dilation=dilation, padding="same"),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class DeepBlock(nn.Module):
    """The convolutions of SATORI-deep, along positions.

    in_features: int
        Features per position of the input (h * d, the attention output size).
    channels, kernel, n_blocks, dilations, dropout: see the module docstring.

    Forward: x shape=(n, L', in_features) -> shape=(n, L', channels).
    ``feature_map(x)`` gives the same values as (n, channels, L').
    """

    def __init__(self, in_features: int, channels: int, kernel: int, n_blocks: int,
                 dilations: Sequence[int], dropout: float):
        super().__init__()
        blocks = [DualConvBlock(in_features if i == 0 else channels, channels, kernel, dropout) for i in range(n_blocks)]
        self.dual = nn.Sequential(*blocks)
        self.dilated = nn.Sequential(*[DilatedResidual(channels, kernel, d, dropout) for d in dilations])

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """x shape=(n, L', in_features) -> shape=(n, channels, L')."""
        return self.dilated(self.dual(x.transpose(1, 2)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.feature_map(x).transpose(1, 2)


class DeepSatoriModel(SatoriModel):
    """SATORI with the SEI-inspired block after attention (``arch="deep"``).

    Same interface as ``SatoriModel``: ``forward(X, return_attention=False,
    attention=None)`` -> logits (n, n_labels) [, probs (n, h, L', L')];
    ``conv_activations(X)`` -> (n, F, L - k + 1).
    """

    def _build_head(self) -> None:
        c: ModelConfig = self.config
        self.post_attention.append(DeepBlock(
            c.n_heads * c.head_dim, c.deep_channels, c.deep_kernel, c.deep_blocks, c.deep_dilations, c.dropout,
        ))
        self.readout = nn.Sequential(
            MeanOverPositions(),
            nn.Linear(c.deep_channels, c.linear_units),
            nn.ReLU(),
            nn.Dropout(c.dropout),
            nn.Linear(c.linear_units, c.n_labels),
        )
