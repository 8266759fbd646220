"""Raw attention as the interaction map (``satori-interpret-raw``).

The map of a sequence is its attention probabilities, maximum over heads:
``A[i, j] = max_h softmax(Q K^T / sqrt(d))[h, i, j]``, shape (L', L'). Everything
after the map (hits, pair scores, tests, tables) is shared with the other
interpreters (``interpret.interactions``).
"""

from typing import Optional, Tuple

import torch

from satori.interpret.hits import capture_conv

METHOD = "attn-raw"


def attention_maps(model: torch.nn.Module, X: torch.Tensor, extra: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """First-layer activations and the max-over-heads attention of a batch, in one forward pass.

    X: torch.Tensor, shape=(b, 4, L), float one-hot on the model's device.
    extra: unused (the map function signature of ``interpret.pairs.MapFn``).
    Returns ``(conv, maps)``: conv shape=(b, F, L - k + 1), maps shape=(b, L', L').
    """
    with capture_conv(model) as store:
        _, probs = model(X, return_attention=True)  # probs (b, h, L', L')
    return store["conv"], probs.amax(dim=1)
