"""Pair scoring: the batched, hit-driven reductions equal a plain-loop reference exactly."""

import numpy as np
import pytest
import torch

from _interp_data import planted_dataset, planted_model
from satori.data.onehot import one_hot
from satori.interpret.hits import filter_thresholds, pooled_hits
from satori.interpret.pairs import (
    ABSENT, LogBins, PairHistograms, make_bins, pair_records_batch,
    pair_records_cpu, score_cached, score_pairs, triangle_index,
)
from satori.interpret.raw import attention_maps
from satori.interpret.select import scan


def reference_scores(hit, maps):
    """Plain loops: best[n, a, b] over i != j (a at i, b at j) of max(A[i, j], A[j, i]); smallest distance on ties."""
    n, F, L = hit.shape
    best = np.full((n, F, F), ABSENT, np.float64)
    dist = np.full((n, F, F), -1, np.int64)
    for s in range(n):
        for a in range(F):
            for b in range(F):
                for i in range(L):
                    for j in range(L):
                        if i == j or not hit[s, a, i] or not hit[s, b, j]:
                            continue
                        v, d = max(maps[s, i, j], maps[s, j, i]), abs(i - j)
                        if v > best[s, a, b] or (v == best[s, a, b] and d < dist[s, a, b]):
                            best[s, a, b], dist[s, a, b] = v, d
    return best, dist


def dense(records, n, F):
    seq, a, b, score, gap = (np.asarray(t) for t in records)
    best = np.full((n, F, F), ABSENT)
    dist = np.full((n, F, F), -1)
    best[seq, a, b] = score
    dist[seq, a, b] = gap
    return best, dist


def kernel_records(kernel, hit, maps, rng):
    if kernel == "torch":
        out = pair_records_batch(torch.from_numpy(hit), torch.from_numpy(maps), max_elements=int(rng.integers(1, 64)))
        return tuple(t.numpy() for t in out)
    return pair_records_cpu(hit, maps)


@pytest.mark.parametrize("kernel", ["torch", "cpu"])
@pytest.mark.parametrize("trial", range(40))
def test_fast_equals_reference_on_random_inputs(trial, kernel):
    rng = np.random.default_rng(trial)
    n, F, L = int(rng.integers(1, 5)), int(rng.integers(1, 7)), int(rng.integers(2, 10))
    hit = rng.random((n, F, L)) < rng.random()
    if trial % 3 == 0:  # few distinct values: many ties, exercising the distance rule
        maps = (rng.integers(0, 3, (n, L, L)) / 2).astype(np.float32)
    else:
        maps = rng.random((n, L, L)).astype(np.float32)
    records = kernel_records(kernel, hit, maps, rng)
    best, dist = dense(records, n, F)
    ref_best, ref_dist = reference_scores(hit, maps.astype(np.float64))
    upper = np.triu(np.ones((F, F), bool))[None]
    np.testing.assert_array_equal(best, np.where(upper, ref_best, ABSENT))
    present = (ref_best >= 0) & upper
    np.testing.assert_array_equal(dist[present], ref_dist[present])
    assert (records[1] <= records[2]).all()


@pytest.mark.parametrize("kernel", ["torch", "cpu"])
def test_distance_is_that_of_the_best_position_pair(kernel):
    records = pair_records_batch if kernel == "torch" else pair_records_cpu
    # filter 0 at positions 1 and 6, filter 1 at 3 and 9; the best attention is between 6 and 9.
    L = 10
    hit = torch.zeros(1, 2, L, dtype=torch.bool)
    hit[0, 0, [1, 6]] = True
    hit[0, 1, [3, 9]] = True
    maps = torch.full((1, L, L), 0.01)
    maps[0, 1, 3] = 0.5
    maps[0, 9, 6] = 0.8  # the reverse orientation (b at i, a at j) counts too
    maps[0, 6, 3] = 0.2  # the last pair in position order, not the best
    seq, a, b, score, gap = records(hit, maps)
    got = {(int(x), int(y)): (float(s), int(g)) for x, y, s, g in zip(a, b, score, gap)}
    assert got[(0, 1)] == (pytest.approx(0.8), 3)
    assert got[(0, 0)] == (pytest.approx(0.01), 5)  # same filter at two positions
    # ties: equal values at distance 2 and 6 -> the smaller distance
    maps = torch.full((1, L, L), 0.3)
    seq, a, b, score, gap = records(hit, maps)
    got = {(int(x), int(y)): int(g) for x, y, g in zip(a, b, gap)}
    assert got[(0, 1)] == 2


def test_no_hits_and_single_position():
    hit = torch.zeros(2, 3, 5, dtype=torch.bool)
    hit[1, 0, 2] = hit[1, 1, 2] = True  # two filters at the same position only: not a pair (i != j)
    for records in (pair_records_batch(hit, torch.rand(2, 5, 5)), pair_records_cpu(hit, torch.rand(2, 5, 5))):
        assert all(len(t) == 0 for t in records)
    assert all(len(t) == 0 for t in pair_records_cpu(torch.zeros(2, 3, 5, dtype=torch.bool), torch.rand(2, 5, 5)))


def test_log_bins():
    bins = LogBins(lo=0.01, per_octave=4, octaves=3)
    assert bins.n_bins == 13
    np.testing.assert_array_equal(bins.index([0.01, 0.0118, 0.02, 0.04, 0.08, 0.5, 0.005]), [0, 0, 4, 8, 12, 12, 0])
    assert bins.value(4) == pytest.approx(0.01 * 2 ** (4.5 / 4))
    assert bins.value(12) == pytest.approx(0.08)
    assert make_bins(0.2, 0.05).lo == 0.2 and make_bins(0.0, 0.05).lo == pytest.approx(0.05 / 256)


def test_histograms_count_by_hand():
    bins = LogBins(lo=0.1, per_octave=1, octaves=4)
    h = PairHistograms.empty(5, 3, 6, 2, cutoff=0.1, bins=bins)
    # (seq, a, b, score, gap): pair (0, 1) observed twice (bins 0 and 2), present once below the cutoff
    h.add(np.array([0, 1, 2, 0]), np.array([0, 0, 0, 2]), np.array([1, 1, 1, 2]),
          np.array([0.15, 0.45, 0.05, 0.9], np.float32), np.array([3, 1, 2, 5], np.int32))
    p01, p22 = triangle_index(0, 1, 3), triangle_index(2, 2, 3)
    assert h.present[p01] == 3 and h.present[p22] == 1 and h.present.sum() == 4
    assert list(np.flatnonzero(h.observed[p01])) == [0, 2] and h.n_observed[p01] == 2
    assert h.observed[p22, 3] == 1
    assert h.distance[p01, 3] == 1 and h.distance[p01, 1] == 1 and h.distance[p01, 2] == 0
    a, b = np.triu_indices(3)
    assert (a[p01], b[p01]) == (0, 1) and (a[p22], b[p22]) == (2, 2)


def _histograms_from_reference(hit, maps, pool, cutoff, bins):
    best, dist = reference_scores(hit, maps.astype(np.float64))
    n, F, L = hit.shape
    seq, a, b = np.nonzero((best >= 0) & np.triu(np.ones((F, F), bool))[None])
    h = PairHistograms.empty(n, F, L, pool, cutoff, bins)
    h.add(seq, a, b, best[seq, a, b].astype(np.float32), dist[seq, a, b].astype(np.int32))
    return h


def test_score_pairs_on_a_model_matches_reference():
    ids, seqs, _ = planted_dataset(n_pos=12, n_neg=12)
    model = planted_model()
    X = one_hot(seqs)
    _, conv_max, attn_mean = scan(model, X)
    thresholds = filter_thresholds(conv_max)
    cutoff = float(attn_mean.mean())
    bins = make_bins(cutoff, cutoff)
    # the maps score_pairs sees: the same batches of 5 (a forward pass over another batch
    # size may differ in the last bit, which can move a hit or a histogram bin at its edge)
    with torch.no_grad():
        parts = [attention_maps(model, torch.from_numpy(X[i:i + 5]).float()) for i in range(0, len(X), 5)]
    conv, maps = torch.cat([c for c, _ in parts]), torch.cat([m for _, m in parts])
    L, pool = model.config.pooled_length, model.config.pool
    hit = pooled_hits(conv, thresholds, pool)[:, :, :L]
    expected = _histograms_from_reference(hit.numpy(), maps.numpy(), pool, cutoff, bins)
    for kernel in ("cpu", "torch"):
        got = score_pairs(model, X, attention_maps, thresholds, cutoff, bins, batch_size=5, kernel=kernel)
        assert got.n_seqs == 24
        np.testing.assert_array_equal(got.present, expected.present)
        np.testing.assert_array_equal(got.observed, expected.observed)
        np.testing.assert_array_equal(got.distance, expected.distance)
    assert got.map_count == 24 * L * L
    assert got.map_sum / got.map_count == pytest.approx(cutoff, rel=1e-5)
    pooled = torch.nn.functional.max_pool1d(conv, pool)[:, :, :L]
    cached = score_cached([(pooled[:10], maps[:10]), (pooled[10:], maps[10:])], 24, thresholds, cutoff, bins, pool)
    np.testing.assert_array_equal(cached.observed, expected.observed)
    np.testing.assert_array_equal(cached.present, expected.present)
    # positives carry both motifs: pair (0, 1) observed with high attention
    p01 = triangle_index(0, 1, model.config.n_filters)
    assert got.n_observed[p01] >= 12
    assert np.flatnonzero(got.observed[p01]).min() >= bins.index([0.9])[0]


def test_maps_must_be_valid():
    from satori.errors import InputError

    model = planted_model()
    X = one_hot(planted_dataset(n_pos=2, n_neg=2)[1])
    thr = torch.zeros(model.config.n_filters)
    bins = make_bins(0.1, 0.1)

    def nan_maps(m, xb, extra):
        conv, maps = attention_maps(m, xb)
        return conv, maps * float("nan")

    with pytest.raises(InputError, match="NaN"):
        score_pairs(model, X, nan_maps, thr, 0.1, bins)

    def negative_maps(m, xb, extra):
        conv, maps = attention_maps(m, xb)
        return conv, -maps

    with pytest.raises(ValueError, match=">= 0"):
        score_pairs(model, X, negative_maps, thr, 0.1, bins)


def test_extra_is_passed_batch_by_batch():
    model = planted_model()
    X = one_hot(planted_dataset(n_pos=3, n_neg=4)[1])
    extra = torch.arange(7).float()[:, None]
    seen = []

    def spy(m, xb, extra_b):
        seen.append(extra_b[:, 0].tolist())
        return attention_maps(m, xb)

    score_pairs(model, X, spy, torch.zeros(model.config.n_filters), 0.1, make_bins(0.1, 0.1), batch_size=3, extra=extra)
    assert seen == [[0, 1, 2], [3, 4, 5], [6]]


def reference_group_hits(hit, groups, n_groups):
    """Plain loops: a group is present at i where any of its filters is."""
    n, F, L = hit.shape
    out = np.zeros((n, n_groups, L), bool)
    for s in range(n):
        for f in range(F):
            if groups[f] >= 0:
                for i in range(L):
                    out[s, groups[f], i] |= hit[s, f, i]
    return out


@pytest.mark.parametrize("trial", range(8))
def test_grouped_histograms_equal_reference(trial):
    """PairHistograms.grouped = the histograms of the OR-ed hit mask of each group."""
    rng = np.random.default_rng(100 + trial)
    n, F, L, pool = int(rng.integers(2, 6)), int(rng.integers(2, 8)), int(rng.integers(3, 9)), 2
    groups = rng.integers(-1, 3, F)
    groups[rng.integers(F)] = 2  # three groups, ids 0..2 (some may be empty)
    pooled = torch.from_numpy(rng.random((n, F, L)).astype(np.float32))
    maps = torch.from_numpy(rng.random((n, L, L)).astype(np.float32))
    thresholds = torch.full((F,), 0.6)
    bins = make_bins(0.2, 0.3)
    got = score_cached([(pooled[:1], maps[:1]), (pooled[1:], maps[1:])], n, thresholds, 0.2, bins, pool,
                       groups=[torch.from_numpy(groups)])
    ref_mask = reference_group_hits((pooled > 0.6).numpy(), groups, 3)
    want = PairHistograms.empty(n, 3, L, pool, 0.2, bins)
    want.add_maps(torch.from_numpy(ref_mask), maps)
    for field in ("present", "observed", "distance"):
        np.testing.assert_array_equal(getattr(got.grouped[0], field), getattr(want, field))
    # the filter-level summary is unchanged by grouping
    plain = score_cached([(pooled, maps)], n, thresholds, 0.2, bins, pool)
    np.testing.assert_array_equal(got.observed, plain.observed)
    assert len(got.grouped) == 1 and got.grouped[0].n_filters == 3 and plain.grouped == []


def test_group_hits_rejects_wrong_shape():
    from satori.interpret.hits import group_hits

    with pytest.raises(ValueError, match="do not match"):
        group_hits(torch.zeros(1, 3, 4, dtype=torch.bool), torch.zeros(2, dtype=torch.int64), 1)
    with pytest.raises(ValueError, match="group id"):
        PairHistograms.empty(1, 3, 4, 2, 0.1, make_bins(0.1, 0.1)).with_groups(torch.full((3,), -1))
