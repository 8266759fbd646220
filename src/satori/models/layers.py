"""Plug-in layers applied to the pooled features before attention (``pre_attention``).

Both take and return (n, L', C) tensors (positions first, features last), the layout
the attention layer reads.

- ``BiLSTM``: a bidirectional LSTM after the first conv block, as in SATORI v1; it
  turns F features into 2 * hidden (forward and backward states concatenated).
- ``PositionalEncoding``: the sinusoidal encoding of Vaswani et al. added to the
  attention input, as TIANA does.
"""

import math

import torch
from torch import nn


class BiLSTM(nn.Module):
    """Bidirectional LSTM over positions.

    in_features: int
        Features per position of the input (the number of conv filters F).
    hidden: int
        Units per direction; the output has 2 * hidden features per position.

    Forward: x shape=(n, L', in_features) -> shape=(n, L', 2 * hidden).

    DeepLIFT (tangermeme) has no rule for LSTMs: attribution through this layer falls
    back to gradients; raw-attention interpretation is unaffected.
    """

    def __init__(self, in_features: int, hidden: int):
        super().__init__()
        self.lstm = nn.LSTM(in_features, hidden, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return out


def sinusoidal_encoding(length: int, features: int) -> torch.Tensor:
    """The sinusoidal positional encoding, shape=(length, features), float32.

    Column 2i holds sin(pos / 10000^(2i/features)), column 2i+1 the cosine of the same
    angle (an odd last column gets the sine only).
    """
    position = torch.arange(length, dtype=torch.float64)[:, None]  # (L, 1)
    rate = torch.exp(-math.log(10000.0) * torch.arange(0, features, 2, dtype=torch.float64) / features)  # (ceil(C/2),)
    angle = position * rate[None, :]  # (L, ceil(C/2))
    pe = torch.zeros(length, features, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : features // 2])
    return pe.float()


class PositionalEncoding(nn.Module):
    """Add a fixed sinusoidal positional encoding.

    length: int
        Number of positions L' (the pooled length; the encoding is built once).
    features: int
        Features per position C (the attention input size).

    Forward: x shape=(n, L', C) -> x + encoding, same shape. The encoding is a
    non-persistent buffer: it is rebuilt from the config, not stored in model.pt.
    """

    def __init__(self, length: int, features: int):
        super().__init__()
        self.register_buffer("encoding", sinusoidal_encoding(length, features)[None], persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1:] != self.encoding.shape[1:]:
            raise ValueError(f"positional encoding built for {tuple(self.encoding.shape[1:])}, got {tuple(x.shape[1:])}")
        return x + self.encoding
