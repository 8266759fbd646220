"""Pair scoring: the per-sequence score of every pair of filters, from an interaction map.

Definitions (DESIGN.md "Raw-attention interactions"):

- ``hit_mask`` (n, F, L') bool: filter f is present at pooled position j
  (``interpret.hits.pooled_hits``).
- ``maps`` (n, L', L') >= 0: the interaction map of each sequence — for raw attention
  the attention probabilities, maximum over heads; for attribution |attr| maximum
  over heads; any interpreter may supply its own.
- The score of the unordered filter pair (a, b) in a sequence is the maximum of
  ``maps[i, j]`` over position pairs i != j with a at i and b at j, or b at i and a
  at j (both orientations, i.e. the maximum of ``max(maps, maps.T)`` over the pairs).
  a == b is allowed: the same filter present at two distinct positions.
- The pair is *present* in a sequence when such a position pair exists; its score is
  then >= 0. The attention cutoff is applied later, on the scores: since
  ``x -> (x if x >= c else 0)`` is monotone, cutting the best value equals taking the
  best of the cut values, so one scoring pass serves any cutoff (and the ``mean``
  cutoff can be computed from the same pass over the foreground).
- The distance of a pair in a sequence is |i - j| x pool (bp) at the best-scoring
  position pair; among equally scoring position pairs the smallest distance is kept.

The computation is two masked max-reductions, batched on the model's device and
driven by the list of hits (the nonzeros of ``hit_mask``) rather than dense masks:

1. ``M[n, b, i] = max_{j : b at j, j != i} A[n, i, j]``   -> (n, F, L')
2. ``S[n, a, b] = max_{i : a at i} M[n, b, i]``            -> (n, F, F)

each as an ``index_reduce_(amax)`` of gathered rows, followed by the same reduction
with ``amin`` over the distances of the arg-max candidates (the tie rule above). The
cost is O(hits x (L' + F)) per sequence — never a Python loop over positions or
pairs, never a dense pairs x sequences matrix. Only present pairs leave the batch, as
flat records (sequence, pair, score, distance).
"""

import logging
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch

from satori.batching import predict
from satori.errors import InputError
from satori.interpret.hits import pooled_hits

log = logging.getLogger("satori")

ABSENT = -1.0  # score of a pair with no valid position pair (maps are >= 0)
_FAR = torch.iinfo(torch.int32).max

#: map_fn(model, xb, extra_b) -> (conv (b, F, L_conv), maps (b, L', L') >= 0)
MapFn = Callable[[torch.nn.Module, torch.Tensor, Optional[torch.Tensor]], Tuple[torch.Tensor, torch.Tensor]]


def pair_index(a, b, n_filters: int):
    """Flat index of the unordered pair (a, b), a <= b: ``a * F + b``."""
    return a * n_filters + b


def pair_filters(index, n_filters: int):
    """Inverse of ``pair_index``: ``(a, b)``."""
    return index // n_filters, index % n_filters


def pair_records_batch(
    hit_mask: torch.Tensor, maps: torch.Tensor, max_elements: int = 1 << 22
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Best score and its distance for every present filter pair of every sequence of a batch.

    Parameters
    ----------
    hit_mask: torch.Tensor, shape=(n, F, L'), bool
        Presence of each filter at each pooled position.
    maps: torch.Tensor, shape=(n, L', L'), float, >= 0
        Interaction map of each sequence (e.g. attention, max over heads).
    max_elements: int
        Bound on the size of the gathered temporaries (hits are processed in chunks).

    Returns
    -------
    ``(seq, a, b, score, gap)``, 1-D tensors of equal length, one entry per sequence
    ``seq`` (row in the batch, int64) and present pair ``a <= b`` (int64):
    ``score`` = max of max(maps, maps^T)[i, j] over i != j with a at i and b at j
    (maps' dtype, >= 0); ``gap`` = |i - j| in pooled positions of the best position
    pair, the smallest among ties (int32). Sorted by (seq, a, b).

    Method: hits are compacted to the (sequence, filter) units present in the batch,
    u = 0..U-1 (sorted by sequence, then filter). Step 1 reduces, for each unit
    (n, b), ``M[u, i] = max_{j: b at j} sym[n, i, j]`` (U, L'). Step 2 reduces, for
    each hit (n, a, i) and each unit (n, b) of the same sequence, ``M[(n, b), i]`` into
    the pair (a, b); the pairs of sequence n are a block of p_n x p_n entries
    (p_n = filters present in n), so the work is sum over hits of p_n.
    """
    if hit_mask.ndim != 3 or maps.ndim != 3:
        raise ValueError(f"hit_mask must be (n, F, L') and maps (n, L', L'); got {tuple(hit_mask.shape)}, {tuple(maps.shape)}")
    n, n_filters, length = hit_mask.shape
    if maps.shape != (n, length, length):
        raise ValueError(f"maps has shape {tuple(maps.shape)}, expected {(n, length, length)}")

    device = maps.device
    sym = torch.maximum(maps, maps.transpose(1, 2)).contiguous()  # both orientations; symmetric
    sym.diagonal(dim1=1, dim2=2).fill_(ABSENT)  # i != j
    seq_h, filt_h, pos_h = hit_mask.to(device).nonzero(as_tuple=True)  # hits, sorted by (n, f, j)
    if seq_h.numel() == 0:
        empty = torch.zeros(0, dtype=torch.int64, device=device)
        return empty, empty, empty, torch.zeros(0, dtype=maps.dtype, device=device), empty.to(torch.int32)

    # Units u = present (sequence, filter), sorted; sequence n owns units start[n] .. start[n] + count[n].
    units, unit_h = torch.unique_consecutive(seq_h * n_filters + filt_h, return_inverse=True)
    n_units = units.numel()
    seq_u, filt_u = units // n_filters, units % n_filters
    count = torch.bincount(seq_u, minlength=n)  # p_n
    start = torch.cumsum(count, 0) - count
    unit_ids = torch.arange(n_units, device=device)
    positions = torch.arange(length, device=device, dtype=torch.int32)

    # Step 1: M[u, i] = max over hits (n, b, j) of unit u of sym[n, i, j]; distance of the arg-max.
    # sym is symmetric, so the column sym[n, :, j] is the row sym[n, j, :] (a fast row gather).
    sym_rows = sym.view(n * length, length)
    best_unit = torch.full((n_units, length), ABSENT, dtype=maps.dtype, device=device)
    gap_unit = torch.full((n_units, length), _FAR, dtype=torch.int32, device=device)
    chunks = _chunks(seq_h.numel(), max_elements // max(length, 1))
    for sl in chunks:
        cols = sym_rows.index_select(0, seq_h[sl] * length + pos_h[sl])  # (h, L')
        best_unit.scatter_reduce_(0, unit_h[sl, None].expand_as(cols), cols, "amax")
    for sl in chunks:
        cols = sym_rows.index_select(0, seq_h[sl] * length + pos_h[sl])
        gap = (positions[None, :] - pos_h[sl, None].to(torch.int32)).abs()
        gap = torch.where(cols == best_unit.index_select(0, unit_h[sl]), gap, _FAR)
        gap_unit.scatter_reduce_(0, unit_h[sl, None].expand_as(gap), gap, "amin")

    # Pair slots: for each unit u = (n, a) of rank r among the count[n] units of n, one slot per
    # partner unit u2 = u .. start[n] + count[n] - 1, i.e. every present b >= a (a == b included).
    row_len = count[seq_u] - (unit_ids - start[seq_u])
    row_start = torch.cumsum(row_len, 0) - row_len
    n_slots = int(row_len.sum())
    slot_u1 = torch.repeat_interleave(unit_ids, row_len)
    slot_u2 = slot_u1 + torch.arange(n_slots, device=device) - row_start[slot_u1]

    # Step 2: S[slot (a, b)] = max over hits (n, a, i) of M[(n, b), i]; distance of the arg-max.
    best = torch.full((n_slots,), ABSENT, dtype=maps.dtype, device=device)
    gap_best = torch.full((n_slots,), _FAR, dtype=torch.int32, device=device)
    best_flat, gap_flat = best_unit.view(-1), gap_unit.view(-1)
    reps = row_len[unit_h]  # partners of each hit
    base_flat = unit_h * length + pos_h  # M[u, i] of the hit's own unit; partner k adds k * L'
    base_slot = row_start[unit_h]
    expanded = []
    for sl in _budget_chunks(reps, max_elements):
        r = reps[sl]
        k = torch.arange(int(r.sum()), device=device) - torch.repeat_interleave(torch.cumsum(r, 0) - r, r)
        flat = torch.repeat_interleave(base_flat[sl], r) + k * length
        slot = torch.repeat_interleave(base_slot[sl], r) + k
        expanded.append((flat, slot))
        best.scatter_reduce_(0, slot, best_flat[flat], "amax")
    for flat, slot in expanded:
        gap = torch.where(best_flat[flat] == best[slot], gap_flat[flat], _FAR)
        gap_best.scatter_reduce_(0, slot, gap, "amin")

    keep = best >= 0
    u1, u2 = slot_u1[keep], slot_u2[keep]
    return seq_u[u1], filt_u[u1], filt_u[u2], best[keep], gap_best[keep]


def _chunks(total: int, step: int) -> List[slice]:
    step = max(1, int(step))
    return [slice(s, min(s + step, total)) for s in range(0, total, step)]


def _budget_chunks(sizes: torch.Tensor, budget: int) -> List[slice]:
    """Consecutive slices of ``sizes`` whose sums stay within ``budget`` (at least one item each)."""
    total = sizes.numel()
    if total == 0:
        return []
    csum = torch.cumsum(sizes, 0).cpu().numpy()
    out, s, base = [], 0, 0
    while s < total:
        e = int(np.searchsorted(csum, base + budget, side="right"))
        e = max(e, s + 1)
        out.append(slice(s, min(e, total)))
        base = int(csum[min(e, total) - 1])
        s = e
    return out


def present_records(seq, a, b, score, gap, n_filters: int, pool: int):
    """The records of ``pair_records_batch`` as numpy arrays for ``PairScores``.

    Returns ``(seq, pair, score, distance)``: seq int32, pair int32
    (``pair_index(a, b, F)``), score float32, distance int32 (bp = gap x pool).
    """
    return (
        seq.to(torch.int32).cpu().numpy(),
        (a * n_filters + b).to(torch.int32).cpu().numpy(),
        score.float().cpu().numpy(),
        (gap.to(torch.int64) * pool).to(torch.int32).cpu().numpy(),
    )


@dataclass
class PairScores:
    """Sparse per-sequence pair scores of one set of sequences (foreground or background).

    One record per (sequence, present filter pair a <= b): both filters present at
    distinct pooled positions. Flat arrays of length R:

    seq: int32, the sequence's row in the set; pair: int32, ``pair_index(a, b, F)``;
    score: float32, the best map value (before any cutoff, >= 0);
    distance: int32, bp between the two positions of the best position pair.

    n_seqs: sequences in the set; n_filters: F; pool: the model's pool width;
    map_sum / map_count: sum and number of all map values (for the ``mean`` cutoff).
    """

    n_seqs: int
    n_filters: int
    pool: int
    seq: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    pair: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    score: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    distance: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    map_sum: float = 0.0
    map_count: int = 0

    @property
    def map_mean(self) -> float:
        """Mean map value over the set (0 when empty)."""
        return self.map_sum / self.map_count if self.map_count else 0.0


def score_pairs(
    model: torch.nn.Module,
    X,
    map_fn: MapFn,
    thresholds: torch.Tensor,
    batch_size: int = 128,
    device="cpu",
    extra: Optional[torch.Tensor] = None,
    verbose: bool = False,
    desc: str = "pairs",
) -> PairScores:
    """Run an interpreter over ``X`` and keep the scores of the present filter pairs.

    Parameters
    ----------
    model: SatoriModel
    X: np.ndarray or torch.Tensor, shape=(n, 4, L), one-hot (uint8)
    map_fn: callable
        ``map_fn(model, xb, extra_b) -> (conv, maps)`` on the device: conv the first-layer
        activations, shape=(b, F, L_conv); maps the interaction maps, shape=(b, L', L'),
        finite and >= 0. Called under ``torch.no_grad`` (enable grad inside if needed).
    thresholds: torch.Tensor, shape=(F,)
        Hit thresholds (computed once, on the foreground).
    extra: torch.Tensor or None, shape=(n, ...)
        Per-sequence data handed to ``map_fn`` batch by batch (e.g. labels).

    Returns ``PairScores``.
    """
    config = model.config
    n_filters, pool, length = config.n_filters, config.pool, config.pooled_length
    if extra is not None and len(extra) != len(X):
        raise ValueError("extra must have one row per sequence")

    out = PairScores(n_seqs=len(X), n_filters=n_filters, pool=pool)
    parts: List[tuple] = []
    state = {"start": 0, "sum": 0.0, "count": 0}

    def func(m, xb):
        start = state["start"]
        state["start"] = start + len(xb)
        extra_b = None if extra is None else extra[start:start + len(xb)].to(xb.device)
        return map_fn(m, xb, extra_b)

    def reduce(result, sl):
        conv, maps = result
        if maps.shape[1:] != (length, length):
            raise ValueError(f"interaction maps have shape {tuple(maps.shape)}, expected (b, {length}, {length})")
        if not torch.isfinite(maps).all():
            raise InputError("the interaction maps contain NaN or infinite values (the model in --model is broken)")
        if (maps < 0).any():
            raise ValueError("interaction maps must be >= 0")
        hit_mask = pooled_hits(conv, thresholds, pool)[:, :, :length]
        records = pair_records_batch(hit_mask, maps.float())
        seq, pair, score, distance = present_records(*records, n_filters=n_filters, pool=pool)
        parts.append((seq + sl.start, pair, score, distance))
        state["sum"] += float(maps.double().sum())
        state["count"] += maps.numel()

    if len(X):
        predict(model, X, batch_size, device, func=func, reduce=reduce, verbose=verbose, desc=desc)
    if parts:
        out.seq = np.concatenate([p[0] for p in parts]).astype(np.int32)
        out.pair = np.concatenate([p[1] for p in parts])
        out.score = np.concatenate([p[2] for p in parts])
        out.distance = np.concatenate([p[3] for p in parts])
    out.map_sum, out.map_count = state["sum"], state["count"]
    log.debug("%s: %d sequences, %d present pair records", desc, out.n_seqs, len(out.pair))
    return out
