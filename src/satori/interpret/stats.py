"""Statistics of filter-pair scores: one-sided Mann-Whitney U (foreground > background)
per pair, Benjamini-Hochberg over the tested pairs.

What is compared (``compare``):

- ``present`` (default with a negatives background): for each pair, the sequences
  of each set in which both filters are present at distinct positions; a sequence's
  value is its pair score when >= the attention cutoff, else 0. Conditioning on the
  presence of both filters removes the co-occurrence signal (positives carry motif
  pairs by construction, so *any* two motifs co-occur more often in the foreground)
  and asks whether the model attends between the two motifs more in the foreground
  than in the background; counting sub-cutoff sequences as 0 keeps the information
  "both motifs there, no attention between them", which matters with the bimodal
  attention that the entropy loss produces. A pair that is never present in the
  background has no background sample and is not tested.
- ``all`` (default with a shuffled background): every sequence of each set, 0 where
  the pair is absent or below the cutoff. Dinucleotide shuffling destroys the motifs,
  so pairs are rarely present in the background and a conditional test would have
  nothing to compare with; this test asks whether the pair is attended more often
  and more strongly in real than in shuffled sequences.

In both modes the zeros of a sample are counted, not stored, and the U statistic is
computed for all pairs at once from one sort of the non-zero scores (average ranks
for ties, normal approximation with tie and continuity correction — identical to
``scipy.stats.mannwhitneyu(x, y, alternative="greater", method="asymptotic")``).
A pair whose samples are all tied gets p = 1, never NaN.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

log = logging.getLogger("satori")

COMPARE_MODES = ("auto", "present", "all")


def benjamini_hochberg(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Benjamini-Hochberg q-values along ``axis`` (step-up, monotone, capped at 1).

    p: np.ndarray of p-values (any shape). NaN p-values are treated as 1.
    Returns q, same shape, float64.
    """
    p = np.nan_to_num(np.asarray(p, dtype=np.float64), nan=1.0)
    p = np.moveaxis(p, axis, -1)
    m = p.shape[-1]
    if m == 0:
        return np.moveaxis(p.copy(), -1, axis)
    order = np.argsort(p, axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1) * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[..., ::-1], axis=-1)[..., ::-1]
    q = np.empty_like(ranked)
    np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=-1)
    return np.moveaxis(q, -1, axis)


def mann_whitney_greater(
    key: np.ndarray,
    value: np.ndarray,
    in_x: np.ndarray,
    zeros_x: np.ndarray,
    zeros_y: np.ndarray,
):
    """One-sided Mann-Whitney U tests (x > y) for many samples at once.

    Test k compares x_k = {value[r] : key[r] == k, in_x[r]} plus ``zeros_x[k]`` zeros
    with y_k = {value[r] : key[r] == k, not in_x[r]} plus ``zeros_y[k]`` zeros.

    Parameters
    ----------
    key: np.ndarray int, shape=(R,), values in 0..K-1
    value: np.ndarray float, shape=(R,), all > 0
    in_x: np.ndarray bool, shape=(R,)
    zeros_x, zeros_y: np.ndarray int, shape=(K,)

    Returns ``(U, p)``, each shape=(K,): U the statistic of x, p the one-sided p-value
    (normal approximation, tie-corrected, continuity-corrected); p = 1 where either
    sample is empty or all values are tied.
    """
    zeros_x = np.asarray(zeros_x, dtype=np.float64)
    zeros_y = np.asarray(zeros_y, dtype=np.float64)
    n_keys = len(zeros_x)
    key = np.asarray(key, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    in_x = np.asarray(in_x, dtype=bool)
    if len(zeros_y) != n_keys or not (len(key) == len(value) == len(in_x)):
        raise ValueError("mann_whitney_greater: inconsistent input lengths")
    if len(value) and (value <= 0).any():
        raise ValueError("mann_whitney_greater: values must be > 0 (zeros are passed as counts)")

    order = np.lexsort((value, key))
    k, v, x = key[order], value[order], in_x[order]
    zeros = zeros_x + zeros_y
    n_pos_x = np.bincount(k[x], minlength=n_keys).astype(np.float64)
    n_pos = np.bincount(k, minlength=n_keys).astype(np.float64)
    n1 = n_pos_x + zeros_x
    n2 = (n_pos - n_pos_x) + zeros_y

    # average ranks of the non-zero values within their test; the zeros take ranks 1..zeros
    r_sum_x = zeros_x * (zeros + 1) / 2
    tie_term = zeros ** 3 - zeros
    if len(k):
        idx = np.arange(len(k))
        first_of_key = np.searchsorted(k, k, side="left")
        rank = idx - first_of_key + 1 + zeros[k]
        new_group = np.ones(len(k), dtype=bool)
        new_group[1:] = (k[1:] != k[:-1]) | (v[1:] != v[:-1])
        group = np.cumsum(new_group) - 1
        g_size = np.bincount(group).astype(np.float64)
        g_first = rank[new_group]
        g_avg = g_first + (g_size - 1) / 2
        r_sum_x = r_sum_x + np.bincount(k[x], weights=g_avg[group][x], minlength=n_keys)
        tie_term = tie_term + np.bincount(k[new_group], weights=g_size ** 3 - g_size, minlength=n_keys)

    U = r_sum_x - n1 * (n1 + 1) / 2
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        var = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
        z = (U - n1 * n2 / 2 - 0.5) / np.sqrt(var)
        p = 1.0 - ndtr(z)
    ok = (n1 > 0) & (n2 > 0) & (var > 0) & np.isfinite(p)
    p = np.where(ok, np.clip(p, 0.0, 1.0), 1.0)
    return U, p


def grouped_median(key: np.ndarray, value: np.ndarray, n_keys: int) -> np.ndarray:
    """Median of ``value`` per ``key`` (0..n_keys-1); NaN for keys without values."""
    out = np.full(n_keys, np.nan)
    if len(key) == 0:
        return out
    order = np.lexsort((value, key))
    k, v = key[order], np.asarray(value, dtype=np.float64)[order]
    counts = np.bincount(k, minlength=n_keys)
    starts = np.cumsum(counts) - counts
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2
    return out


@dataclass
class PairTestSettings:
    """How pairs are tested.

    cutoff: float — map values below it count as no interaction (score 0).
    compare: ``present`` or ``all`` (see module docstring).
    min_fg: int — a pair is tested only if observed (score >= cutoff, > 0) in at
    least this many foreground sequences. Default 5.
    min_bg: int — ... and if its background sample has at least this many sequences
    (``present``: sequences with both filters present). Default 1.
    """

    cutoff: float
    compare: str = "present"
    min_fg: int = 5
    min_bg: int = 1


PAIR_TEST_COLUMNS = [
    "filter_a", "filter_b", "n_fg", "n_bg", "n_fg_present", "n_bg_present",
    "median_fg", "median_bg", "distance", "p", "q",
]


def compare_pairs(fg, bg, settings: PairTestSettings) -> pd.DataFrame:
    """Test every filter pair observed in the foreground against the background.

    fg, bg: ``interpret.pairs.PairScores`` of the foreground and the background.

    Returns a DataFrame with columns ``PAIR_TEST_COLUMNS``, one row per tested pair
    (filter_a <= filter_b, integers): n_fg/n_bg sequences where the pair is observed
    (score >= cutoff and > 0), n_*_present sequences where both filters are present,
    median_fg/median_bg the median observed score (NaN when none), distance the median
    bp distance of the best position pair over the observed foreground sequences, p the
    one-sided MWU p-value, q Benjamini-Hochberg over the tested pairs. Sorted by p.
    """
    if settings.compare not in ("present", "all"):
        raise ValueError(f"compare must be 'present' or 'all', got {settings.compare!r}")
    if fg.n_filters != bg.n_filters:
        raise ValueError("foreground and background scores come from different models")
    n_filters = fg.n_filters
    n_pairs = n_filters * n_filters
    cutoff = float(settings.cutoff)

    obs_fg = (fg.score >= cutoff) & (fg.score > 0)
    obs_bg = (bg.score >= cutoff) & (bg.score > 0)
    n_fg = np.bincount(fg.pair[obs_fg], minlength=n_pairs)
    n_bg = np.bincount(bg.pair[obs_bg], minlength=n_pairs)
    present_fg = np.bincount(fg.pair, minlength=n_pairs)
    present_bg = np.bincount(bg.pair, minlength=n_pairs)
    if settings.compare == "present":
        size_fg, size_bg = present_fg, present_bg
    else:
        size_fg = np.full(n_pairs, fg.n_seqs)
        size_bg = np.full(n_pairs, bg.n_seqs)
    tested = np.flatnonzero((n_fg >= max(1, settings.min_fg)) & (size_bg >= max(1, settings.min_bg)) & (size_fg > 0))
    if len(tested) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PAIR_TEST_COLUMNS})

    key_of = np.full(n_pairs, -1, dtype=np.int64)
    key_of[tested] = np.arange(len(tested))
    kf = key_of[fg.pair[obs_fg]]
    kb = key_of[bg.pair[obs_bg]]
    sel_f, sel_b = kf >= 0, kb >= 0
    key = np.concatenate([kf[sel_f], kb[sel_b]])
    value = np.concatenate([fg.score[obs_fg][sel_f], bg.score[obs_bg][sel_b]]).astype(np.float64)
    in_x = np.concatenate([np.ones(sel_f.sum(), bool), np.zeros(sel_b.sum(), bool)])
    _, p = mann_whitney_greater(
        key, value, in_x,
        zeros_x=size_fg[tested] - n_fg[tested],
        zeros_y=size_bg[tested] - n_bg[tested],
    )
    k = len(tested)
    a, b = tested // n_filters, tested % n_filters
    out = pd.DataFrame({
        "filter_a": a, "filter_b": b,
        "n_fg": n_fg[tested], "n_bg": n_bg[tested],
        "n_fg_present": present_fg[tested], "n_bg_present": present_bg[tested],
        "median_fg": grouped_median(kf[sel_f], fg.score[obs_fg][sel_f], k),
        "median_bg": grouped_median(kb[sel_b], bg.score[obs_bg][sel_b], k),
        "distance": grouped_median(kf[sel_f], fg.distance[obs_fg][sel_f], k),
        "p": p,
        "q": benjamini_hochberg(p),
    })
    return out.sort_values(["p", "filter_a", "filter_b"], kind="stable").reset_index(drop=True)
