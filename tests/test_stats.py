"""MWU (one-sided, many tests at once) and BH against scipy / a direct reference."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from satori.interpret.pairs import PairScores, pair_index
from satori.interpret.stats import (
    PairTestSettings, benjamini_hochberg, compare_pairs, grouped_median, mann_whitney_greater,
)


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


def test_mwu_matches_scipy_with_ties_and_zeros():
    rng = np.random.default_rng(1)
    keys, vals, in_x, zx, zy = [], [], [], [], []
    K = 40
    for k in range(K):
        nx, ny = rng.integers(0, 15, 2)
        keys += [k] * (nx + ny)
        vals += list(rng.integers(1, 5, nx) / 4) + list(rng.integers(1, 5, ny) / 4)
        in_x += [True] * nx + [False] * ny
        zx.append(rng.integers(0, 6))
        zy.append(rng.integers(0, 6))
    keys, vals, in_x = np.array(keys), np.array(vals), np.array(in_x)
    U, p = mann_whitney_greater(keys, vals, in_x, np.array(zx), np.array(zy))
    n_checked = 0
    for k in range(K):
        x = np.r_[vals[(keys == k) & in_x], np.zeros(zx[k])]
        y = np.r_[vals[(keys == k) & ~in_x], np.zeros(zy[k])]
        if len(x) == 0 or len(y) == 0:
            assert p[k] == 1.0
            continue
        ref = mannwhitneyu(x, y, alternative="greater", method="asymptotic")
        assert U[k] == pytest.approx(ref.statistic)
        assert p[k] == pytest.approx(ref.pvalue if np.isfinite(ref.pvalue) else 1.0, rel=1e-9, abs=1e-15)
        n_checked += 1
    assert n_checked > 30
    assert np.isfinite(p).all()


def test_mwu_all_tied_is_one_not_nan():
    U, p = mann_whitney_greater(np.array([0, 0]), np.array([0.5, 0.5]), np.array([True, False]),
                                np.array([0]), np.array([0]))
    assert p[0] == 1.0
    with pytest.raises(ValueError, match="> 0"):
        mann_whitney_greater(np.array([0]), np.array([0.0]), np.array([True]), np.array([0]), np.array([0]))


def test_grouped_median():
    out = grouped_median(np.array([0, 0, 0, 2, 2]), np.array([3.0, 1.0, 2.0, 5.0, 4.0]), 4)
    assert out[0] == 2.0 and out[2] == 4.5 and np.isnan(out[1]) and np.isnan(out[3])


def _scores(n_seqs, F, records):
    """records: list of (seq, a, b, score, distance)."""
    r = np.array(records, dtype=float).reshape(-1, 5)
    return PairScores(
        n_seqs=n_seqs, n_filters=F, pool=2,
        seq=r[:, 0].astype(np.int32), pair=pair_index(r[:, 1], r[:, 2], F).astype(np.int32),
        score=r[:, 3].astype(np.float32), distance=r[:, 4].astype(np.int32),
    )


def test_compare_pairs_present_and_all():
    F = 3
    # pair (0, 1): fg scores 0.9, 0.8, 0.7, 0.05 (below cutoff), bg 0.3, 0.2; pair (1, 2): seen once in fg
    fg = _scores(6, F, [(0, 0, 1, 0.9, 4), (1, 0, 1, 0.8, 6), (2, 0, 1, 0.7, 6), (3, 0, 1, 0.05, 2),
                        (0, 1, 2, 0.6, 10)])
    bg = _scores(5, F, [(0, 0, 1, 0.3, 8), (1, 0, 1, 0.2, 2), (2, 1, 2, 0.9, 2)])
    cutoff = 0.1
    present = compare_pairs(fg, bg, PairTestSettings(cutoff=cutoff, compare="present", min_fg=2, min_bg=1))
    assert list(zip(present.filter_a, present.filter_b)) == [(0, 1)]
    row = present.iloc[0]
    assert (row.n_fg, row.n_bg, row.n_fg_present, row.n_bg_present) == (3, 2, 4, 2)
    assert row.median_fg == pytest.approx(0.8) and row.median_bg == pytest.approx(0.25)
    assert row.distance == 6
    ref = mannwhitneyu([0.9, 0.8, 0.7, 0.0], [0.3, 0.2], alternative="greater", method="asymptotic")
    assert row.p == pytest.approx(ref.pvalue)
    assert row.q == pytest.approx(ref.pvalue)

    allseq = compare_pairs(fg, bg, PairTestSettings(cutoff=cutoff, compare="all", min_fg=1, min_bg=1))
    got = {(a, b): r for a, b, r in zip(allseq.filter_a, allseq.filter_b, allseq.itertuples())}
    ref01 = mannwhitneyu([0.9, 0.8, 0.7, 0, 0, 0], [0.3, 0.2, 0, 0, 0], alternative="greater", method="asymptotic")
    ref12 = mannwhitneyu([0.6, 0, 0, 0, 0, 0], [0.9, 0, 0, 0, 0], alternative="greater", method="asymptotic")
    assert got[(0, 1)].p == pytest.approx(ref01.pvalue)
    assert got[(1, 2)].p == pytest.approx(ref12.pvalue)
    np.testing.assert_allclose(allseq.q, benjamini_hochberg(allseq.p.to_numpy()))
    assert list(allseq.p) == sorted(allseq.p)


def test_compare_pairs_untestable_and_empty():
    F = 2
    fg = _scores(4, F, [(s, 0, 1, 0.9, 2) for s in range(4)])
    bg = _scores(4, F, [])
    # present mode: the pair never occurs in the background -> not tested; all mode -> tested
    assert compare_pairs(fg, bg, PairTestSettings(cutoff=0.1, compare="present", min_fg=1)).empty
    out = compare_pairs(fg, bg, PairTestSettings(cutoff=0.1, compare="all", min_fg=1))
    assert len(out) == 1 and out.p[0] < 0.05 and np.isnan(out.median_bg[0])
    # min_fg not reached
    assert compare_pairs(fg, bg, PairTestSettings(cutoff=0.1, compare="all", min_fg=5)).empty
    # cutoff above every score: nothing observed
    empty = compare_pairs(fg, bg, PairTestSettings(cutoff=0.95, compare="all", min_fg=1))
    assert empty.empty and "p" in empty.columns
    with pytest.raises(ValueError):
        compare_pairs(fg, bg, PairTestSettings(cutoff=0.1, compare="auto"))
    assert isinstance(out, pd.DataFrame)
