"""MWU (one-sided, binned, many tests at once) and BH against scipy / a direct reference."""

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from satori.interpret.pairs import LogBins, PairHistograms, triangle_index
from satori.interpret.stats import _binned_median, benjamini_hochberg, compare_pairs, mann_whitney_binned


def bh_reference(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p)
    q = np.empty(m)
    for rank_i, i in enumerate(order, start=1):
        q[i] = min(min(p[j] * m / r for r, j in enumerate(order, start=1) if r >= rank_i), 1.0)
    return q


def test_bh_matches_reference():
    rng = np.random.default_rng(0)
    for m in (1, 2, 7, 50):
        p = rng.random(m) ** 3
        p[: m // 3] = p[0]  # ties
        np.testing.assert_allclose(benjamini_hochberg(p), bh_reference(p), rtol=1e-12)
    assert benjamini_hochberg(np.array([np.nan, 0.01]))[0] == 1.0
    assert len(benjamini_hochberg(np.array([]))) == 0
    two_d = rng.random((3, 5))
    np.testing.assert_allclose(benjamini_hochberg(two_d, axis=1)[1], bh_reference(two_d[1]))


def test_binned_mwu_matches_scipy_on_expanded_samples():
    rng = np.random.default_rng(1)
    K, C = 60, 6
    cx = rng.integers(0, 5, (K, C)) * (rng.random((K, C)) < 0.6)
    cy = rng.integers(0, 5, (K, C)) * (rng.random((K, C)) < 0.6)
    cx[0] = 0  # an empty sample
    U, p = mann_whitney_binned(cx, cy)
    checked = 0
    for k in range(K):
        x, y = np.repeat(np.arange(C), cx[k]), np.repeat(np.arange(C), cy[k])
        if len(x) == 0 or len(y) == 0:
            assert p[k] == 1.0
            continue
        ref = mannwhitneyu(x, y, alternative="greater", method="asymptotic")
        assert U[k] == pytest.approx(ref.statistic)
        assert p[k] == pytest.approx(ref.pvalue if np.isfinite(ref.pvalue) else 1.0, rel=1e-9, abs=1e-15)
        checked += 1
    assert checked > 50 and np.isfinite(p).all()


def test_binned_mwu_all_tied_is_one_not_nan():
    U, p = mann_whitney_binned(np.array([[3, 0]]), np.array([[2, 0]]))
    assert p[0] == 1.0
    with pytest.raises(ValueError):
        mann_whitney_binned(np.zeros((2, 3)), np.zeros((2, 4)))


def test_binned_median():
    counts = np.array([[0, 3, 0, 0], [1, 0, 0, 1], [0, 0, 0, 0], [2, 1, 1, 0]])
    out = _binned_median(counts)
    assert out[0] == 1 and out[1] == 1.5 and np.isnan(out[2]) and out[3] == 0.5


BINS = LogBins(lo=0.1, per_octave=1, octaves=4)  # bins: [0.1, 0.2), [0.2, 0.4), [0.4, 0.8), [0.8, 1.6), >= 1.6


def _hist(n_seqs, F, records, pool=2, length=10):
    """records: (a, b, score, gap) per (sequence, pair)."""
    h = PairHistograms.empty(n_seqs, F, length, pool, cutoff=BINS.lo, bins=BINS)
    if records:
        a, b, s, g = (np.array(v) for v in zip(*records))
        h.add(np.zeros(len(a), np.int64), a, b, s.astype(np.float32), g.astype(np.int32))
    return h


def _mwu(x, y):
    return mannwhitneyu(x, y, alternative="greater", method="asymptotic").pvalue


def test_compare_pairs_present_and_all():
    F = 3
    # pair (0, 1): fg scores 0.9, 0.85, 0.5, 0.05 (below the cutoff); bg 0.3, 0.25. pair (1, 2): once in fg
    fg = _hist(6, F, [(0, 1, 0.9, 2), (0, 1, 0.85, 3), (0, 1, 0.5, 3), (0, 1, 0.05, 1), (1, 2, 0.6, 5)])
    bg = _hist(5, F, [(0, 1, 0.3, 4), (0, 1, 0.25, 1), (1, 2, 0.9, 1)])
    present = compare_pairs(fg, bg, "present", min_fg=2, min_bg=1)
    assert list(zip(present.filter_a, present.filter_b)) == [(0, 1)]
    row = present.iloc[0]
    assert (row.n_fg, row.n_bg, row.n_fg_present, row.n_bg_present) == (3, 2, 4, 2)
    # binned: 0.9, 0.85 -> bin 3; 0.5 -> bin 2; 0.3, 0.25 -> bin 1; the sub-cutoff score is a zero
    assert row.p == pytest.approx(_mwu([4, 4, 3, 0], [2, 2]))
    assert row.q == pytest.approx(row.p)
    assert row.median_fg == pytest.approx(BINS.value(3)) and row.median_bg == pytest.approx(BINS.value(1))
    assert row.distance == 6  # median gap 3 pooled positions x pool 2

    allseq = compare_pairs(fg, bg, "all", min_fg=1, min_bg=1)
    got = {(a, b): r for a, b, r in zip(allseq.filter_a, allseq.filter_b, allseq.itertuples())}
    assert got[(0, 1)].p == pytest.approx(_mwu([4, 4, 3, 0, 0, 0], [2, 2, 0, 0, 0]))
    assert got[(1, 2)].p == pytest.approx(_mwu([3, 0, 0, 0, 0, 0], [4, 0, 0, 0, 0]))
    np.testing.assert_allclose(allseq.q, benjamini_hochberg(allseq.p.to_numpy()))
    assert list(allseq.p) == sorted(allseq.p)
    assert set(allseq.columns) >= {"n_fg_present", "median_bg", "distance"}


def test_compare_pairs_untestable_and_empty():
    F = 2
    fg = _hist(4, F, [(0, 1, 0.9, 2)] * 4)
    bg = _hist(4, F, [])
    # present: never present in the background -> not tested; all: tested
    assert compare_pairs(fg, bg, "present", min_fg=1).empty
    out = compare_pairs(fg, bg, "all", min_fg=1)
    assert len(out) == 1 and out.p[0] < 0.05 and np.isnan(out.median_bg[0])
    assert compare_pairs(fg, bg, "all", min_fg=5).empty
    with pytest.raises(ValueError):
        compare_pairs(fg, bg, "auto")
    other = PairHistograms.empty(4, F, 10, 2, cutoff=0.2, bins=BINS)
    with pytest.raises(ValueError, match="differently"):
        compare_pairs(fg, other, "all")
    assert triangle_index(1, 1, F) == 2


def test_compare_pairs_without_diagonal():
    """diagonal=False leaves a == b out of the tests and of the BH family."""
    F = 3
    records = [(0, 0, 0.9, 2)] * 6 + [(0, 1, 0.8, 2)] * 6 + [(1, 2, 0.7, 3)] * 6
    fg = _hist(8, F, records)
    bg = _hist(8, F, [(0, 0, 0.1, 2), (0, 1, 0.1, 2), (1, 2, 0.1, 3)])
    both = compare_pairs(fg, bg, "present", min_fg=2, diagonal=True)
    off = compare_pairs(fg, bg, "present", min_fg=2, diagonal=False)
    assert (0, 0) in set(zip(both.filter_a, both.filter_b))
    assert set(zip(off.filter_a, off.filter_b)) == {(0, 1), (1, 2)}
    np.testing.assert_allclose(off.q, benjamini_hochberg(off.p.to_numpy()))
    assert len(both) == 3 and len(off) == 2
