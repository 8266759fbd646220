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

The samples are never stored: each pair's observed scores are counted in log-spaced
bins (``interpret.pairs.LogBins``, 32 per octave, so scores less than ~2% apart tie)
and its zeros are a count, so memory is O(pairs x bins) whatever the number of
sequences and however dense the hits. The U statistic of every pair is computed at
once from the bin counts (ties share their average rank; normal approximation with
tie and continuity correction), which is exactly
``scipy.stats.mannwhitneyu(x, y, alternative="greater", method="asymptotic")`` on the
binned scores. A pair whose samples are all tied gets p = 1, never NaN. q-values: Benjamini-Hochberg
over every tested filter pair, including those later flagged in the tables (same TF,
unannotated, a filter with itself) — one family fixed before looking at the data.
"""

import logging

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


def mann_whitney_binned(cx: np.ndarray, cy: np.ndarray):
    """One-sided Mann-Whitney U tests (x > y) on binned samples, many at once.

    cx, cy: np.ndarray, shape=(K, C) — counts of x and y values in C ordered categories
    (category 0 the smallest; values in one category are ties).

    Returns ``(U, p)``, each shape=(K,): U the statistic of x, p the one-sided p-value
    (normal approximation with tie and continuity correction, i.e. scipy's
    ``mannwhitneyu(x, y, alternative="greater", method="asymptotic")`` on the expanded
    samples); p = 1 where a sample is empty or all values tie.
    """
    cx = np.asarray(cx, dtype=np.float64)
    cy = np.asarray(cy, dtype=np.float64)
    if cx.shape != cy.shape or cx.ndim != 2:
        raise ValueError("cx and cy must be (K, C) arrays of the same shape")

    below_y = np.cumsum(cy, axis=1) - cy
    U = (cx * (below_y + 0.5 * cy)).sum(axis=1)
    t = cx + cy
    tie_term = (t ** 3 - t).sum(axis=1)
    n1, n2 = cx.sum(axis=1), cy.sum(axis=1)
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        var = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
        z = (U - n1 * n2 / 2 - 0.5) / np.sqrt(var)
        p = 1.0 - ndtr(z)
    ok = (n1 > 0) & (n2 > 0) & (var > 0) & np.isfinite(p)
    return U, np.where(ok, np.clip(p, 0.0, 1.0), 1.0)


def _binned_median(counts: np.ndarray) -> np.ndarray:
    """Median category (possibly x.5) of each row of counts (K, C); NaN for empty rows."""
    counts = np.asarray(counts, dtype=np.int64)
    total = counts.sum(axis=1)
    cum = np.cumsum(counts, axis=1)
    out = np.full(len(counts), np.nan)
    has = total > 0
    lo = (total[has] - 1) // 2
    hi = total[has] // 2
    c = cum[has]
    lo_bin = (c <= lo[:, None]).sum(axis=1)
    hi_bin = (c <= hi[:, None]).sum(axis=1)
    out[has] = (lo_bin + hi_bin) / 2
    return out


PAIR_TEST_COLUMNS = [
    "filter_a", "filter_b", "n_fg", "n_bg", "n_fg_present", "n_bg_present",
    "median_fg", "median_bg", "distance", "p", "q",
]


def compare_pairs(fg, bg, compare: str = "present", min_fg: int = 5, min_bg: int = 1, chunk: int = 4096,
                  diagonal: bool = True) -> pd.DataFrame:
    """Test every filter pair observed in the foreground against the background.

    fg, bg: ``interpret.pairs.PairHistograms`` of the foreground and the background
    (same model, cutoff and bins).
    compare: ``present`` or ``all`` (module docstring).
    min_fg: test a pair only if observed in at least this many foreground sequences.
    min_bg: ... and if its background sample has at least this many sequences.
    diagonal: also test each filter with itself (a == b); False leaves those pairs out of
        the tests and of the Benjamini-Hochberg family.

    Returns a DataFrame with columns ``PAIR_TEST_COLUMNS``, one row per tested pair
    (filter_a <= filter_b, integers): n_fg/n_bg sequences where the pair is observed
    (score >= cutoff and > 0), n_*_present sequences where both filters are present,
    median_fg/median_bg the median observed score (from the score bins; NaN when none),
    distance the median bp distance of the best position pair over the observed
    foreground sequences, p the one-sided MWU p-value, q Benjamini-Hochberg over the
    tested pairs. Sorted by p.
    """
    if compare not in ("present", "all"):
        raise ValueError(f"compare must be 'present' or 'all', got {compare!r}")
    if fg.n_filters != bg.n_filters or fg.bins != bg.bins or fg.cutoff != bg.cutoff:
        raise ValueError("foreground and background were summarised differently")

    n_fg, n_bg = fg.n_observed, bg.n_observed
    if compare == "present":
        size_fg, size_bg = fg.present, bg.present
    else:
        size_fg = np.full(len(n_fg), fg.n_seqs, dtype=np.int64)
        size_bg = np.full(len(n_bg), bg.n_seqs, dtype=np.int64)
    a, b = np.triu_indices(fg.n_filters)
    testable = (n_fg >= max(1, min_fg)) & (size_bg >= max(1, min_bg)) & (size_fg > 0)
    tested = np.flatnonzero(testable if diagonal else testable & (a != b))
    if len(tested) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PAIR_TEST_COLUMNS})

    p = np.empty(len(tested))
    med_fg = np.empty(len(tested))
    med_bg = np.empty(len(tested))
    dist = np.empty(len(tested))
    for s in range(0, len(tested), chunk):
        t = tested[s:s + chunk]
        # category 0 = the zeros (absent or below the cutoff), then the score bins
        cx = np.concatenate([(size_fg[t] - n_fg[t])[:, None], fg.observed[t]], axis=1)
        cy = np.concatenate([(size_bg[t] - n_bg[t])[:, None], bg.observed[t]], axis=1)
        p[s:s + chunk] = mann_whitney_binned(cx, cy)[1]
        med_fg[s:s + chunk] = _bin_values(fg.bins, _binned_median(fg.observed[t]))
        med_bg[s:s + chunk] = _bin_values(bg.bins, _binned_median(bg.observed[t]))
        dist[s:s + chunk] = _binned_median(fg.distance[t]) * fg.pool

    out = pd.DataFrame({
        "filter_a": a[tested], "filter_b": b[tested],
        "n_fg": n_fg[tested], "n_bg": n_bg[tested],
        "n_fg_present": fg.present[tested], "n_bg_present": bg.present[tested],
        "median_fg": med_fg, "median_bg": med_bg, "distance": dist,
        "p": p, "q": benjamini_hochberg(p),
    })
    return out.sort_values(["p", "filter_a", "filter_b"], kind="stable").reset_index(drop=True)


def _bin_values(bins, median_bin: np.ndarray) -> np.ndarray:
    """Score of a (possibly half-integer) median bin: the mean of its neighbours' values."""
    out = np.full(len(median_bin), np.nan)
    ok = np.isfinite(median_bin)
    lo, hi = np.floor(median_bin[ok]), np.ceil(median_bin[ok])
    out[ok] = (bins.value(lo) + bins.value(hi)) / 2
    return out
