"""Pair scoring: the batched, hit-driven reductions equal a plain-loop reference exactly."""

import numpy as np
import pytest
import torch

from _interp_data import planted_dataset, planted_model
from satori.data.onehot import one_hot
from satori.interpret.hits import filter_thresholds, pooled_hits
from satori.interpret.pairs import ABSENT, pair_filters, pair_index, pair_records_batch, score_pairs
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
    seq, a, b, score, gap = (t.numpy() for t in records)
    best = np.full((n, F, F), ABSENT)
    dist = np.full((n, F, F), -1)
    best[seq, a, b] = score
    dist[seq, a, b] = gap
    return best, dist


@pytest.mark.parametrize("trial", range(60))
def test_fast_equals_reference_on_random_inputs(trial):
    rng = np.random.default_rng(trial)
    n, F, L = int(rng.integers(1, 5)), int(rng.integers(1, 7)), int(rng.integers(2, 10))
    hit = rng.random((n, F, L)) < rng.random()
    if trial % 3 == 0:  # few distinct values: many ties, exercising the distance rule
        maps = (rng.integers(0, 3, (n, L, L)) / 2).astype(np.float32)
    else:
        maps = rng.random((n, L, L)).astype(np.float32)
    records = pair_records_batch(torch.from_numpy(hit), torch.from_numpy(maps), max_elements=int(rng.integers(1, 64)))
    best, dist = dense(records, n, F)
    ref_best, ref_dist = reference_scores(hit, maps.astype(np.float64))
    upper = np.triu(np.ones((F, F), bool))[None]
    np.testing.assert_array_equal(best, np.where(upper, ref_best, ABSENT))
    present = (ref_best >= 0) & upper
    np.testing.assert_array_equal(dist[present], ref_dist[present])
    assert (records[1] <= records[2]).all()


def test_distance_is_that_of_the_best_position_pair():
    # filter 0 at positions 1 and 6, filter 1 at 3 and 9; the best attention is between 6 and 9.
    L = 10
    hit = torch.zeros(1, 2, L, dtype=torch.bool)
    hit[0, 0, [1, 6]] = True
    hit[0, 1, [3, 9]] = True
    maps = torch.full((1, L, L), 0.01)
    maps[0, 1, 3] = 0.5
    maps[0, 9, 6] = 0.8  # the reverse orientation (b at i, a at j) counts too
    maps[0, 6, 3] = 0.2  # the last pair in position order, not the best
    seq, a, b, score, gap = pair_records_batch(hit, maps)
    got = {(int(x), int(y)): (float(s), int(g)) for x, y, s, g in zip(a, b, score, gap)}
    assert got[(0, 1)] == (pytest.approx(0.8), 3)
    assert got[(0, 0)] == (pytest.approx(0.01), 5)  # same filter at two positions
    # ties: equal values at distance 2 and 6 -> the smaller distance
    maps = torch.full((1, L, L), 0.3)
    seq, a, b, score, gap = pair_records_batch(hit, maps)
    got = {(int(x), int(y)): int(g) for x, y, g in zip(a, b, gap)}
    assert got[(0, 1)] == 2


def test_no_hits_and_single_position():
    hit = torch.zeros(2, 3, 5, dtype=torch.bool)
    hit[1, 0, 2] = hit[1, 1, 2] = True  # two filters at the same position only: not a pair (i != j)
    records = pair_records_batch(hit, torch.rand(2, 5, 5))
    assert all(len(t) == 0 for t in records)


def test_pair_index_round_trip():
    a, b = np.array([0, 2, 5]), np.array([3, 2, 7])
    assert tuple(map(list, pair_filters(pair_index(a, b, 8), 8))) == (list(a), list(b))


def test_score_pairs_on_a_model_matches_reference():
    ids, seqs, _ = planted_dataset(n_pos=12, n_neg=12)
    model = planted_model()
    X = one_hot(seqs)
    _, conv_max = scan(model, X)
    thresholds = filter_thresholds(conv_max)
    scores = score_pairs(model, X, attention_maps, thresholds, batch_size=5)
    assert scores.n_seqs == 24
    with torch.no_grad():
        conv, maps = attention_maps(model, torch.from_numpy(X).float())
    L = model.config.pooled_length
    hit = pooled_hits(conv, thresholds, model.config.pool)[:, :, :L].numpy()
    ref_best, ref_dist = reference_scores(hit, maps.double().numpy())
    F = model.config.n_filters
    got = np.full((24, F, F), ABSENT)
    got_d = np.full((24, F, F), -1)
    a, b = pair_filters(scores.pair, F)
    got[scores.seq, a, b] = scores.score
    got_d[scores.seq, a, b] = scores.distance
    upper = np.triu(np.ones((F, F), bool))[None]
    np.testing.assert_allclose(got, np.where(upper, ref_best, ABSENT), rtol=1e-6)
    present = (ref_best >= 0) & upper
    np.testing.assert_array_equal(got_d[present], ref_dist[present] * model.config.pool)
    assert scores.map_count == 24 * L * L
    assert scores.map_mean == pytest.approx(float(maps.double().mean()))
    # positives carry both motifs: pair (0, 1) present with high attention
    pair01 = scores.pair == pair_index(0, 1, F)
    assert pair01.sum() >= 12 and np.median(scores.score[pair01]) > 0.9


def test_maps_must_be_valid():
    from satori.errors import InputError

    model = planted_model()
    X = one_hot(planted_dataset(n_pos=2, n_neg=2)[1])
    thr = torch.zeros(model.config.n_filters)

    def nan_maps(m, xb, extra):
        conv, maps = attention_maps(m, xb)
        return conv, maps * float("nan")

    with pytest.raises(InputError, match="NaN"):
        score_pairs(model, X, nan_maps, thr)

    def negative_maps(m, xb, extra):
        conv, maps = attention_maps(m, xb)
        return conv, -maps

    with pytest.raises(ValueError, match=">= 0"):
        score_pairs(model, X, negative_maps, thr)


def test_extra_is_passed_batch_by_batch():
    model = planted_model()
    X = one_hot(planted_dataset(n_pos=3, n_neg=4)[1])
    extra = torch.arange(7).float()[:, None]
    seen = []

    def spy(m, xb, extra_b):
        seen.append(extra_b[:, 0].tolist())
        return attention_maps(m, xb)

    score_pairs(model, X, spy, torch.zeros(model.config.n_filters), batch_size=3, extra=extra)
    assert seen == [[0, 1, 2], [3, 4, 5], [6]]
