"""What training watches besides the loss: how sharp the first-layer filters are.

An under-trained model has blurry filters (information content 5-7 bits) that TomTom
cannot name and attention cannot pair, even when its AUC looks fine. ``filter_information``
builds every filter's PWM exactly as ``satori-filter-motifs`` does (sites above 0.65 x
the filter's maximum over the monitor sequences, ``motifs.filters.filter_pwms``) and
returns the mean information content of the filters with at least ``min_sites`` sites.
``satori.train.fit`` records it per epoch in ``history.tsv`` (``filter_ic``,
``n_filters_ic``) when given monitor sequences.
"""

import math
from typing import Tuple

import numpy as np
import torch

from satori.batching import predict
from satori.interpret.hits import DEFAULT_FRACTION, hit_thresholds
from satori.motifs.filters import filter_pwms

#: filters with fewer sites stay unannotated in satori-filter-motifs (its --min-sites)
MIN_SITES = 10


def filter_information(
    model: torch.nn.Module,
    X: torch.Tensor,
    batch_size: int = 256,
    device="cpu",
    min_sites: int = MIN_SITES,
    fraction: float = DEFAULT_FRACTION,
) -> Tuple[float, int]:
    """Mean information content (bits) of the filters with >= ``min_sites`` sites on ``X``.

    X: torch.Tensor, shape=(n, 4, L), uint8 one-hot (e.g. validation positives).
    Returns ``(mean_ic, n_filters)``; mean_ic is NaN when no filter has enough sites.
    The model's train/eval mode is restored by the batching helper.
    """
    if len(X) == 0:
        return math.nan, 0
    conv_max = predict(model, X, batch_size, device, func=lambda m, xb: m.conv_activations(xb).amax(dim=-1))  # (n, F)
    thresholds = hit_thresholds(model, conv_max, fraction)  # (F,)
    pwms = filter_pwms(model, X, thresholds, batch_size, device)
    keep = pwms.n_sites >= min_sites
    if not keep.any():
        return math.nan, 0
    return float(np.mean(pwms.information_content()[keep])), int(keep.sum())
