"""Filter hits: per-filter activation thresholds and presence per pooled position.

A filter *hits* a k-mer when its first-layer activation (after ReLU) exceeds the
filter's threshold, ``fraction`` (0.65) x the filter's maximum activation over a
reference set of sequences (the foreground). The thresholds are computed once, on the
foreground, and reused unchanged for the background: re-thresholding the background
on its own maximum (as the original SATORI did) makes a filter that never really fires
there look present. ``satori-filter-motifs`` uses the same rule to collect its sites.

Positions: the conv has no padding, conv position ``i`` is the k-mer ``X[:, :, i:i+k]``;
pooled position ``j`` covers conv positions ``j*p .. j*p+p-1`` and the tail shorter
than ``p`` is dropped, exactly as the model's max-pooling does.
"""

import contextlib
from typing import Iterator

import torch
import torch.nn.functional as F

DEFAULT_FRACTION = 0.65


@contextlib.contextmanager
def capture_conv(model: torch.nn.Module) -> Iterator[dict]:
    """Capture the first-layer activations of every forward pass inside the block.

    Registers forward hooks on ``model.conv`` (the block that
    ``model.conv_activations`` runs) and ``model.pool``, so a normal forward also
    yields the activations without computing them twice. The yielded dict holds the
    last outputs: ``"conv"`` shape=(n, F, L - k + 1) and ``"pooled"``
    shape=(n, F, (L - k + 1) // p).
    """
    store: dict = {}

    def keep(name):
        def hook(module, inputs, output):
            store[name] = output
        return hook

    handles = [model.conv.register_forward_hook(keep("conv"))]
    if isinstance(getattr(model, "pool", None), torch.nn.Module):
        handles.append(model.pool.register_forward_hook(keep("pooled")))
    try:
        yield store
    finally:
        for handle in handles:
            handle.remove()


def filter_thresholds(conv_max: torch.Tensor, fraction: float = DEFAULT_FRACTION) -> torch.Tensor:
    """Per-filter hit thresholds: ``fraction`` x the filter's maximum activation.

    conv_max: torch.Tensor, shape=(n, F)
        Each sequence's maximum activation per filter (over conv positions).
    fraction: float
        Fraction of the maximum, in (0, 1]. Default 0.65 (the paper's value).

    Returns torch.Tensor, shape=(F,), float32. A filter that never activates (max 0)
    gets threshold 0, and since a hit needs activation > threshold it has no hits.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    if conv_max.ndim != 2:
        raise ValueError(f"conv_max must have shape (n, F), got {tuple(conv_max.shape)}")

    if conv_max.shape[0] == 0:
        return torch.zeros(conv_max.shape[1], dtype=torch.float32)
    return (fraction * conv_max.float().amax(dim=0).clamp_min(0.0)).float()


def pooled_hits(conv: torch.Tensor, thresholds: torch.Tensor, pool: int) -> torch.Tensor:
    """Presence of each filter at each pooled position.

    conv: torch.Tensor, shape=(n, F, L_conv)
        First-layer activations (``model.conv_activations``).
    thresholds: torch.Tensor, shape=(F,)
        From ``filter_thresholds``; moved to ``conv``'s device.
    pool: int
        The model's pooling width p.

    Returns hit_mask: torch.Tensor, shape=(n, F, L_conv // p), bool; True where some
    conv position of pooled window j has activation > the filter's threshold (the
    window's max-pooled activation exceeds it).
    """
    if conv.ndim != 3 or thresholds.shape != (conv.shape[1],):
        raise ValueError(f"conv (n, F, L) and thresholds (F,) do not match: {tuple(conv.shape)}, {tuple(thresholds.shape)}")

    pooled = F.max_pool1d(conv, pool) if pool > 1 else conv
    return pooled > thresholds.to(device=conv.device, dtype=pooled.dtype)[None, :, None]


def group_hits(hit_mask: torch.Tensor, groups: torch.Tensor, n_groups: int) -> torch.Tensor:
    """Presence of each group of filters (e.g. all filters named after one TF).

    hit_mask: torch.Tensor bool, shape=(n, F, L') (``pooled_hits``).
    groups: torch.Tensor int64, shape=(F,): the group of each filter, -1 = in none.
    Returns torch.Tensor bool, shape=(n, n_groups, L'): True where some filter of the
    group is present at the position.
    """
    if groups.shape != (hit_mask.shape[1],):
        raise ValueError(f"groups {tuple(groups.shape)} do not match {hit_mask.shape[1]} filters")
    groups = groups.to(hit_mask.device)
    member = torch.zeros(n_groups, hit_mask.shape[1], dtype=torch.float32, device=hit_mask.device)
    keep = torch.nonzero(groups >= 0).flatten()
    member[groups[keep], keep] = 1.0
    return torch.einsum("gf,nfl->ngl", member, hit_mask.float()) > 0


def hit_thresholds(model: torch.nn.Module, conv_max_fg: torch.Tensor, fraction: float = DEFAULT_FRACTION) -> torch.Tensor:
    """The hit thresholds every interpreter and filter-motifs use for ``model``.

    Trainable filters: ``fraction`` x each filter's maximum over the foreground
    (``filter_thresholds``). Pre-loaded motif filters (TIANA-style): half of each
    PSSM's maximum score, fixed by the motif (``preloaded_thresholds``), as the paper does.

    conv_max_fg: torch.Tensor, shape=(n_fg, F). Returns torch.Tensor, shape=(F,), float32.
    """
    config = getattr(model, "config", None)
    if getattr(config, "preloaded", False):
        from satori.models.preloaded import preloaded_thresholds

        return preloaded_thresholds(config)
    return filter_thresholds(conv_max_fg, fraction)
