"""Pair scoring: the per-sequence score of every pair of filters, from an interaction map.

Definitions (the method's raw-attention interactions):

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
  then >= 0. It is *observed* when its score is also >= the attention cutoff (> 0).
- The distance of a pair in a sequence is |i - j| x pool (bp) at the best-scoring
  position pair; among equally scoring position pairs the smallest distance is kept.

The computation is two masked max-reductions driven by the list of hits (the nonzeros
of ``hit_mask``) rather than dense masks:

1. ``M[n, b, i] = max_{j : b at j, j != i} A[n, i, j]``   -> per present (n, b): (L',)
2. ``S[n, a, b] = max_{i : a at i} M[n, b, i]``            -> per present (n, a, b)

so the cost is O(hits x (L' + present filters)) per sequence, never a dense
(F, F, L') or pairs x sequences tensor. Two implementations give identical results
(both are checked against a plain-loop reference in the tests):
``pair_records_batch``, batched torch gathers and ``scatter_reduce`` (amax, then amin
over the distances of the arg-max candidates) that runs on the model's device (GPU),
and ``pair_records_cpu``, the same reductions as a loop compiled by numba, ~20x faster
on a CPU. Neither keeps per-sequence scores: each batch's records are folded into
per-pair histograms (``PairHistograms``: presence counts, observed-score bins and
distances), whose size depends on the number of filters only, and the statistics
(``interpret.stats``) are computed from them.
"""

import logging
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from satori.batching import predict
from satori.errors import InputError
from satori.interpret.hits import group_hits, pooled_hits
from satori.memory import release_free_memory
from satori.numba_cache import ensure_numba_cache_dir

log = logging.getLogger("satori")

ABSENT = -1.0  # score of a pair with no valid position pair (maps are >= 0)
_FAR = torch.iinfo(torch.int32).max

#: map_fn(model, xb, extra_b) -> (conv (b, F, L_conv), maps (b, L', L') >= 0)
MapFn = Callable[[torch.nn.Module, torch.Tensor, Optional[torch.Tensor]], Tuple[torch.Tensor, torch.Tensor]]


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


# --- the same reductions for the CPU, compiled -----------------------------------------
#
# On a CPU the batched torch version above spends most of its time building index
# tensors (a random-weight model has ~340 hits and ~130 filters present per 300-bp
# sequence: ~25k gathered elements per step). The loops below do the same reductions
# with the same tie rule sequence by sequence, compiled by numba (~20x faster); the
# torch version serves GPUs. Both are checked against the same plain-loop reference.

ensure_numba_cache_dir()
from numba import njit  # noqa: E402


# Each candidate is packed into one int64 key: the float32 bits of its score in the high
# half (non-negative floats order like their bit patterns) and MAX_GAP - gap in the low
# half, so "higher score, then smaller distance" is a plain integer max (branch-free,
# vectorised). Negative keys (the -1 diagonal) mean "no position pair".
_MAX_GAP = 2 ** 31 - 1
_NO_KEY = np.iinfo(np.int64).min


@njit(cache=True)
def _sequence_pairs(sym_bits, n, h, e, filt_h, pos_h, unit_of_hit, unit_filter, key_unit, key_unit_t, key_best):
    """Best (score, distance) key of every pair of the units (present filters) of sequence n.

    Hits h .. e-1 belong to sequence n, sorted by filter then position. Fills
    ``unit_filter[:p]`` and the upper triangle of ``key_best[:p, :p]`` and returns p.
    """
    length = sym_bits.shape[1]
    p = 0
    for k in range(h, e):
        if k == h or filt_h[k] != filt_h[k - 1]:
            unit_filter[p] = filt_h[k]
            p += 1
        unit_of_hit[k] = p - 1
    for u in range(p):
        for i in range(length):
            key_unit[u, i] = _NO_KEY
    # step 1: M[u, i] = max over hits (u, j) of key(sym[n, i, j], |i - j|)
    for k in range(h, e):
        u = unit_of_hit[k]
        j = pos_h[k]
        for i in range(length):
            key = (np.int64(sym_bits[n, j, i]) << 32) | np.int64(_MAX_GAP - abs(i - j))  # sym is symmetric
            if key > key_unit[u, i]:
                key_unit[u, i] = key
    for u in range(p):
        for i in range(length):
            key_unit_t[i, u] = key_unit[u, i]
    for u1 in range(p):
        for u2 in range(u1, p):
            key_best[u1, u2] = _NO_KEY
    # step 2: S[u1, u2] = max over hits (u1, i) of M[u2, i], for u2 >= u1
    for k in range(h, e):
        u1 = unit_of_hit[k]
        i = pos_h[k]
        for u2 in range(u1, p):
            key = key_unit_t[i, u2]
            if key > key_best[u1, u2]:
                key_best[u1, u2] = key
    return p


@njit(cache=True)
def _scratch(n_hits, n_filters, length):
    return (np.empty(n_hits, dtype=np.int64), np.empty(n_filters, dtype=np.int64),
            np.empty((n_filters, length), dtype=np.int64), np.empty((length, n_filters), dtype=np.int64),
            np.empty((n_filters, n_filters), dtype=np.int64))


@njit(cache=True)
def _unpack(key):
    """(score as float32 bits, gap) of a key >= 0."""
    return np.int32(key >> 32), np.int32(_MAX_GAP - (key & 0xFFFFFFFF))


@njit(cache=True)
def _records_kernel(sym_bits, seq_h, filt_h, pos_h, n_filters, out_seq, out_a, out_b, out_bits, out_gap):
    unit_of_hit, unit_filter, key_unit, key_unit_t, key_best = _scratch(len(seq_h), n_filters, sym_bits.shape[1])
    out = 0
    h = 0
    while h < len(seq_h):
        n = seq_h[h]
        e = h
        while e < len(seq_h) and seq_h[e] == n:
            e += 1
        p = _sequence_pairs(sym_bits, n, h, e, filt_h, pos_h, unit_of_hit, unit_filter, key_unit, key_unit_t, key_best)
        for u1 in range(p):
            for u2 in range(u1, p):
                if key_best[u1, u2] >= 0:
                    out_seq[out] = n
                    out_a[out] = unit_filter[u1]
                    out_b[out] = unit_filter[u2]
                    out_bits[out], out_gap[out] = _unpack(key_best[u1, u2])
                    out += 1
        h = e
    return out


def _prepare_cpu(hit_mask, maps):
    hit_mask = torch.as_tensor(hit_mask).cpu()
    maps = torch.as_tensor(maps).cpu()
    n, n_filters, length = hit_mask.shape
    if maps.shape != (n, length, length):
        raise ValueError(f"maps has shape {tuple(maps.shape)}, expected {(n, length, length)}")
    sym = torch.maximum(maps, maps.transpose(1, 2)).to(torch.float32).contiguous()
    sym.diagonal(dim1=1, dim2=2).fill_(ABSENT)
    seq_h, filt_h, pos_h = (t.numpy() for t in hit_mask.nonzero(as_tuple=True))
    return sym.numpy().view(np.int32), seq_h, filt_h, pos_h, n, n_filters


def pair_records_cpu(hit_mask, maps):
    """``pair_records_batch`` computed by the compiled CPU kernel (same outputs, numpy).

    hit_mask: np.ndarray or torch.Tensor bool, shape=(n, F, L'); maps: float, shape=(n, L', L').
    Returns ``(seq, a, b, score, gap)`` as numpy arrays (int64, int64, int64, float32, int32).
    """
    sym_bits, seq_h, filt_h, pos_h, n, n_filters = _prepare_cpu(hit_mask, maps)
    units = np.unique(seq_h * n_filters + filt_h)
    per_seq = np.bincount(units // n_filters, minlength=n)
    capacity = int((per_seq * (per_seq + 1) // 2).sum())
    out_seq = np.empty(capacity, np.int64)
    out_a = np.empty(capacity, np.int64)
    out_b = np.empty(capacity, np.int64)
    out_bits = np.empty(capacity, np.int32)
    out_gap = np.empty(capacity, np.int32)
    count = _records_kernel(sym_bits, seq_h, filt_h, pos_h, n_filters, out_seq, out_a, out_b, out_bits, out_gap)
    return out_seq[:count], out_a[:count], out_b[:count], out_bits[:count].view(np.float32), out_gap[:count]


# --- accumulation: per-pair histograms instead of per-sequence records ----------------


@dataclass(frozen=True)
class LogBins:
    """Log-spaced bins for pair scores >= the cutoff.

    A score v (>= cutoff, > 0) goes to bin ``floor(per_octave * log2(v / lo))``, clipped
    to 0 .. n_bins - 1 (the last bin holds everything >= lo * 2**octaves). With the
    default 32 bins per octave two scores less than 2.2% apart may share a bin, i.e.
    tie in the Mann-Whitney test. ``lo`` is the cutoff when it is > 0.
    """

    lo: float
    per_octave: int = 32
    octaves: int = 20

    @property
    def n_bins(self) -> int:
        return self.per_octave * self.octaves + 1

    def index(self, values: np.ndarray) -> np.ndarray:
        """Bin of each value (int64); values must be > 0."""
        b = np.floor(self.per_octave * np.log2(np.asarray(values, dtype=np.float64) / self.lo))
        return np.clip(b, 0, self.n_bins - 1).astype(np.int64)

    def value(self, index) -> np.ndarray:
        """Representative score of bins (their geometric centre; the last bin's lower edge)."""
        index = np.asarray(index, dtype=np.float64)
        centre = np.where(index >= self.n_bins - 1, index, index + 0.5)
        return self.lo * np.exp2(centre / self.per_octave)


def make_bins(cutoff: float, mean: float) -> LogBins:
    """Bins starting at the cutoff, or 8 octaves below the mean map value when the cutoff is 0."""
    if cutoff > 0:
        return LogBins(lo=float(cutoff))
    return LogBins(lo=float(max(mean, 1e-30)) / 256.0)


@njit(cache=True)
def _accumulate_kernel(pair, score, gap, cutoff, lo, per_octave, n_bins, present, observed, distance):
    for r in range(len(pair)):
        p = pair[r]
        present[p] += 1
        v = score[r]
        if v >= cutoff and v > 0:
            b = int(np.floor(per_octave * np.log2(v / lo)))
            if b < 0:
                b = 0
            elif b > n_bins - 1:
                b = n_bins - 1
            observed[p, b] += 1
            distance[p, gap[r]] += 1


def triangle_index(a, b, n_filters: int):
    """Index of the unordered pair a <= b among the F(F+1)/2 pairs (row-major upper triangle)."""
    return a * n_filters - a * (a - 1) // 2 + (b - a)


@dataclass
class PairHistograms:
    """Per-pair summaries of one set of sequences (foreground or background).

    Pairs are the F(F+1)/2 unordered filter pairs a <= b in ``np.triu_indices(F)`` order.

    n_seqs: int — sequences in the set.
    n_filters: int — F. pool: int — the model's pool width (distances in bp = gap x pool).
    cutoff: float — scores below it are present but not observed.
    bins: LogBins — bins of the observed scores.
    present: np.ndarray int64, shape=(P,) — sequences in which both filters are present
      at distinct pooled positions.
    observed: np.ndarray uint16/uint32, shape=(P, n_bins) — sequences whose pair score
      is >= cutoff (and > 0), by score bin.
    distance: np.ndarray uint16/uint32, shape=(P, L') — the observed sequences by
      distance (in pooled positions) of their best position pair.
    map_sum, map_count: sum and number of all map values seen.
    grouped: list of ``PairHistograms`` of the same sequences, one per grouping of the
      filters (``score_pairs(..., groups=...)``): a group is present where any of its
      filters is, so a group pair's score is the best over its filters' position pairs.
    """

    n_seqs: int
    n_filters: int
    pool: int
    cutoff: float
    bins: LogBins
    present: np.ndarray
    observed: np.ndarray
    distance: np.ndarray
    map_sum: float = 0.0
    map_count: int = 0
    grouped: List["PairHistograms"] = field(default_factory=list)
    groups: Optional[torch.Tensor] = None  # of a grouped summary: the group of each filter (F,), -1 = none

    @classmethod
    def empty(cls, n_seqs: int, n_filters: int, length: int, pool: int, cutoff: float, bins: LogBins) -> "PairHistograms":
        """Zero counts for ``n_seqs`` sequences (uint16 cells when they cannot overflow:
        half the memory of int32 and ~3x faster to fill, the histogram being larger than
        the CPU caches)."""
        n_pairs = n_filters * (n_filters + 1) // 2
        dtype = np.uint16 if n_seqs < 2 ** 16 else np.uint32
        return cls(
            n_seqs=n_seqs, n_filters=n_filters, pool=pool, cutoff=float(cutoff), bins=bins,
            present=np.zeros(n_pairs, np.int64),
            observed=np.zeros((n_pairs, bins.n_bins), dtype),
            distance=np.zeros((n_pairs, length), dtype),
        )

    def with_groups(self, groups: torch.Tensor) -> "PairHistograms":
        """Also summarise groups of filters: ``groups`` int64 (F,), group ids 0..G-1, -1 = none
        (at least one filter in a group). Appends to ``grouped``, returns ``self``; call
        before adding."""
        groups = torch.as_tensor(groups, dtype=torch.int64)
        if groups.shape != (self.n_filters,) or int(groups.max()) < 0:
            raise ValueError(f"groups must give each of the {self.n_filters} filters a group id or -1, with one group at least")
        length = self.distance.shape[1]
        grouped = PairHistograms.empty(self.n_seqs, int(groups.max()) + 1, length, self.pool, self.cutoff, self.bins)
        grouped.groups = groups
        self.grouped.append(grouped)
        return self

    def add_maps(self, hit_mask: torch.Tensor, maps: torch.Tensor, use_cpu: bool = True) -> None:
        """Score one batch and add it.

        hit_mask: torch.Tensor bool, shape=(b, F, L'); maps: torch.Tensor, shape=(b, L', L'), finite, >= 0.
        ``use_cpu``: the compiled CPU kernel (else the torch kernel, on the tensors' device).
        """
        length = self.distance.shape[1]
        if maps.shape[1:] != (length, length) or hit_mask.shape[1:] != (self.n_filters, length):
            raise ValueError(f"hit mask {tuple(hit_mask.shape)} / maps {tuple(maps.shape)} do not match "
                             f"{self.n_filters} filters and {length} positions")
        if not torch.isfinite(maps).all():
            raise InputError("the interaction maps contain NaN or infinite values (the model in --model is broken)")
        if (maps < 0).any():
            raise ValueError("interaction maps must be >= 0")
        maps = maps.float()
        self._add_records(hit_mask, maps, use_cpu)
        self.map_sum += float(maps.double().sum())
        self.map_count += maps.numel()
        for g in self.grouped:
            g._add_records(group_hits(hit_mask, g.groups, g.n_filters), maps, use_cpu)
            g.map_sum, g.map_count = self.map_sum, self.map_count

    def _add_records(self, hit_mask: torch.Tensor, maps: torch.Tensor, use_cpu: bool) -> None:
        if use_cpu:
            self.add(*pair_records_cpu(hit_mask, maps))
        else:
            self.add(*(t.cpu().numpy() for t in pair_records_batch(hit_mask, maps)))

    @property
    def n_observed(self) -> np.ndarray:
        """Observed sequences per pair, shape=(P,)."""
        return self.observed.sum(axis=1, dtype=np.int64)

    def add(self, seq, a, b, score, gap) -> None:
        """Add records (numpy arrays) of present pairs, a <= b."""
        pair = triangle_index(np.asarray(a, np.int64), np.asarray(b, np.int64), self.n_filters)
        _accumulate_kernel(
            pair, np.asarray(score, np.float32), np.asarray(gap, np.int32), float(self.cutoff), float(self.bins.lo),
            int(self.bins.per_octave), int(self.bins.n_bins), self.present, self.observed, self.distance,
        )


def score_cached(
    batches,
    n_seqs: int,
    thresholds: torch.Tensor,
    cutoff: float,
    bins: LogBins,
    pool: int,
    kernel: str = "auto",
    groups: Sequence[torch.Tensor] = (),
) -> PairHistograms:
    """``score_pairs`` on activations and maps computed earlier (``select.ScanCache``).

    batches: iterable of ``(pooled, maps)``: pooled shape=(b, F, L') max-pooled
    first-layer activations, maps shape=(b, L', L'); ``n_seqs`` sequences in all.
    Returns ``PairHistograms``, identical to ``score_pairs`` on the same values.
    """
    out = None
    for pooled, maps in batches:
        if out is None:
            out = PairHistograms.empty(n_seqs, pooled.shape[1], pooled.shape[2], pool, cutoff, bins)
            for g in groups:
                out.with_groups(g)
            thr = thresholds.to(device=pooled.device, dtype=pooled.dtype)[None, :, None]
            use_cpu = kernel == "cpu" or (kernel == "auto" and pooled.device.type == "cpu")
        out.add_maps(pooled > thr, maps, use_cpu)
        release_free_memory()
    if out is None:
        raise ValueError("score_cached needs at least one batch")
    return out


def score_pairs(
    model: torch.nn.Module,
    X,
    map_fn: MapFn,
    thresholds: torch.Tensor,
    cutoff: float,
    bins: LogBins,
    batch_size: int = 128,
    device="cpu",
    extra: Optional[torch.Tensor] = None,
    kernel: str = "auto",
    verbose: bool = False,
    desc: str = "pairs",
    groups: Sequence[torch.Tensor] = (),
) -> PairHistograms:
    """Run an interpreter over ``X`` and summarise the scores of every filter pair.

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
    cutoff: float
        Scores below it count as not observed (the attention cutoff).
    bins: LogBins
        Bins of the observed scores (``make_bins``); the same for foreground and background.
    extra: torch.Tensor or None, shape=(n, ...)
        Per-sequence data handed to ``map_fn`` batch by batch (e.g. labels).
    kernel: ``auto`` (compiled CPU kernel on a CPU device, torch kernel otherwise),
        ``torch`` or ``cpu``.
    groups: sequence of torch.Tensor int64, shape=(F,)
        Groupings of the filters to summarise too (``PairHistograms.with_groups``), from
        the same maps: the result's ``grouped``, in this order.

    Returns ``PairHistograms``.
    """
    config = model.config
    n_filters, pool, length = config.n_filters, config.pool, config.pooled_length
    if extra is not None and len(extra) != len(X):
        raise ValueError("extra must have one row per sequence")
    if kernel not in ("auto", "torch", "cpu"):
        raise ValueError(f"kernel must be auto, torch or cpu, got {kernel!r}")
    use_cpu = kernel == "cpu" or (kernel == "auto" and torch.device(device).type == "cpu")

    out = PairHistograms.empty(len(X), n_filters, length, pool, cutoff, bins)
    for g in groups:
        out.with_groups(g)
    state = {"start": 0}

    def func(m, xb):
        start = state["start"]
        state["start"] = start + len(xb)
        extra_b = None if extra is None else extra[start:start + len(xb)].to(xb.device)
        return map_fn(m, xb, extra_b)

    def reduce(result, sl):
        conv, maps = result
        out.add_maps(pooled_hits(conv, thresholds, pool)[:, :, :length], maps, use_cpu)
        release_free_memory()

    if len(X):
        predict(model, X, batch_size, device, func=func, reduce=reduce, verbose=verbose, desc=desc)
    log.debug("%s: %d sequences, %d present pair records", desc, out.n_seqs, int(out.present.sum()))
    return out
