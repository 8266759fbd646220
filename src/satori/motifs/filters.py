"""Filter PWMs: the k-mers that activate each first-layer filter, as a motif.

For every filter, the k-mers whose activation exceeds ``fraction`` (0.65) x the
filter's maximum activation over the chosen sequences are its *sites*; their base
counts plus a pseudocount, normalised per position, are its PWM. The conv has no
padding, so conv position ``i`` is exactly the k-mer ``X[:, :, i:i+k]`` (the
original SATORI read the k-mer at ``i`` of a padded conv, shifting every PWM).

Counting is vectorised: for a batch the site mask (b, F, L_conv) is contracted with
the unfolded k-mers (b, L_conv, k, 4) in one matrix product, accumulating (F, k, 4)
counts; there is no loop over positions or filters.
"""

from dataclasses import dataclass
from typing import List

import numpy as np
import torch

from satori.batching import predict
from satori.motifs.io import Motif, information_content


@dataclass
class FilterPWMs:
    """The result of ``filter_pwms``.

    counts: np.ndarray, shape=(F, k, 4), float64 — base counts over the sites (A, C, G, T).
    n_sites: np.ndarray, shape=(F,), int64 — number of sites (k-mers above threshold).
    thresholds: np.ndarray, shape=(F,), float64 — the activation thresholds used.
    pseudocount: float — added to every count before normalising.
    """

    counts: np.ndarray
    n_sites: np.ndarray
    thresholds: np.ndarray
    pseudocount: float

    @property
    def pwms(self) -> np.ndarray:
        """Letter probabilities, shape=(F, k, 4), rows summing to 1."""
        c = self.counts + self.pseudocount
        return c / c.sum(axis=-1, keepdims=True)

    def motifs(self) -> List[Motif]:
        """One ``Motif`` per filter, ids ``filter0``, ``filter1``, ..."""
        return [
            Motif(f"filter{f}", f"filter{f}", pwm, int(n))
            for f, (pwm, n) in enumerate(zip(self.pwms, self.n_sites))
        ]

    def information_content(self) -> np.ndarray:
        """Information content (bits) of each filter's PWM, shape=(F,)."""
        return np.array([information_content(p) for p in self.pwms])


def site_counts(X: torch.Tensor, acts: torch.Tensor, thresholds: torch.Tensor, width: int):
    """Base counts of the k-mers whose activation exceeds the threshold, for one batch.

    X: torch.Tensor, shape=(b, 4, L), float one-hot.
    acts: torch.Tensor, shape=(b, F, L - width + 1), conv activations (position i = X[:, :, i:i+width]).
    thresholds: torch.Tensor, shape=(F,).
    Returns ``(counts, n_sites)``: counts shape=(F, width, 4), n_sites shape=(F,).
    """
    if acts.shape[-1] != X.shape[-1] - width + 1:
        raise ValueError(f"activations of length {acts.shape[-1]} do not match sequences of length {X.shape[-1]} and width {width}")

    sites = (acts > thresholds.to(acts.device)[None, :, None]).to(X.dtype)  # (b, F, Lc)
    kmers = X.unfold(2, width, 1)  # (b, 4, Lc, k): kmers[n, c, i, w] = X[n, c, i + w]
    b, _, lc, _ = kmers.shape
    kmers = kmers.permute(0, 2, 3, 1).reshape(b * lc, width * 4)  # (b*Lc, k*4)
    counts = sites.permute(1, 0, 2).reshape(sites.shape[1], b * lc) @ kmers  # (F, k*4)
    return counts.view(-1, width, 4), sites.sum(dim=(0, 2))


def filter_pwms(
    model: torch.nn.Module,
    X,
    thresholds: torch.Tensor,
    batch_size: int = 128,
    device="cpu",
    pseudocount: float = 0.25,
    verbose: bool = False,
) -> FilterPWMs:
    """Collect every filter's sites over ``X`` and build its PWM.

    Parameters
    ----------
    model: SatoriModel
        Its ``conv_activations`` are used.
    X: np.ndarray or torch.Tensor, shape=(n, 4, L), one-hot (uint8)
        The chosen sequences (by default the foreground).
    thresholds: torch.Tensor, shape=(F,)
        Per-filter activation thresholds (``interpret.hits.filter_thresholds``:
        0.65 x the filter's maximum over ``X``); a site needs activation > threshold.
    batch_size, device: batching of the conv pass.
    pseudocount: float
        Added to each of the 4 counts of every position before normalising. Default 0.25.

    Returns ``FilterPWMs`` (counts (F, k, 4), n_sites (F,), thresholds (F,)).
    """
    config = model.config
    n_filters, width = config.n_filters, config.filter_width
    if thresholds.shape != (n_filters,):
        raise ValueError(f"thresholds must have shape ({n_filters},), got {tuple(thresholds.shape)}")
    if pseudocount < 0:
        raise ValueError("pseudocount must be >= 0")

    counts = torch.zeros(n_filters, width, 4, dtype=torch.float64)
    n_sites = torch.zeros(n_filters, dtype=torch.float64)
    thr = thresholds.float()

    def func(m, xb):
        return site_counts(xb, m.conv_activations(xb), thr, width)

    def reduce(out, sl):
        c, n = out
        counts.add_(c.detach().double().cpu())
        n_sites.add_(n.detach().double().cpu())

    if len(X):
        predict(model, X, batch_size, device, func=func, reduce=reduce, verbose=verbose, desc="filter sites")
    return FilterPWMs(
        counts=counts.numpy(),
        n_sites=n_sites.numpy().round().astype(np.int64),
        thresholds=thresholds.double().cpu().numpy(),
        pseudocount=float(pseudocount),
    )
