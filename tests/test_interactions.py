"""The shared inference driver: selection, thresholds computed once, empty cases."""

import numpy as np
import pandas as pd
import pytest
import torch

from _interp_data import centre_readout, planted_dataset, planted_model
from satori.data.onehot import one_hot
from satori.errors import InputError
from satori.interpret import interactions as inter
from satori.interpret import select
from satori.interpret.raw import METHOD, attention_maps


def _filter_motifs(n=6):
    return pd.DataFrame({
        "filter": [f"filter{i}" for i in range(n)],
        "motif_id": ["M0", "M1"] + [""] * (n - 2),
        "tf": ["TF0", "TF1"] + [""] * (n - 2),
        "index": range(n),
    })


def _data(n_pos=60, n_neg=60, poly_a=False):
    ids, seqs, planted = planted_dataset(n_pos=n_pos, n_neg=n_neg)
    model = planted_model()
    if poly_a:
        # filter 2 counts A's; negatives carry AAAAAA (activation 6), positives never do (at most 5),
        # so a threshold computed over everything would differ from the foreground's
        with torch.no_grad():
            model.conv[0].weight[2, 0, :] = 1.0
            model.conv[0].bias[2] = 0.0
        seqs = [s.replace("AAAAAA", "AAAAAC") if p else s[:20] + "AAAAAA" + s[26:] for s, p in zip(seqs, planted)]
    X = one_hot(seqs)
    centre_readout(model, X)
    return model, select.Dataset(ids, X, planted[:, None].astype(np.uint8), ["y"])


@pytest.mark.parametrize("cache_mb", [0, 1024])
def test_thresholds_computed_once_on_foreground_and_reused(monkeypatch, cache_mb):
    model, data = _data(poly_a=True)
    calls = []
    for name in ("score_pairs", "score_cached"):
        real = getattr(inter, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(args[3].clone() if _name == "score_pairs" else args[2].clone())  # the thresholds
            return _real(*args, **kwargs)

        monkeypatch.setattr(inter, name, spy)
    settings = inter.InterpretSettings(compare="all", min_fg=2, cache_mb=cache_mb)
    result = inter.infer_interactions(model, data, _filter_motifs(), attention_maps, METHOD, settings,
                                      map_is_attention=True)
    assert len(calls) == 2
    thr_fg, thr_bg = calls
    assert torch.equal(thr_fg, thr_bg)
    # the thresholds are 0.65 x the maximum over the foreground only
    logits, conv_max, _ = select.scan(model, data.X)
    fg = select.foreground_mask(data.Y, select.sigmoid(logits), 0.5)
    torch.testing.assert_close(thr_fg, 0.65 * conv_max[torch.from_numpy(fg)].amax(0))
    assert not torch.equal(thr_fg, 0.65 * conv_max.amax(0))  # not the maximum over everything
    s = result.summary
    assert s["n_fg"] == fg.sum() and s["background"] == "negatives" and s["compare"] == "all"
    assert s["cache"] == ("activations+maps" if cache_mb else "none")
    tf = result.tf_interactions
    assert (tf.tf1[0], tf.tf2[0]) == ("TF0", "TF1") and tf.q[0] < 1e-6
    assert 0 < s["cutoff"] < 1 and s["cutoff"] == s["map_mean_fg"]  # the mean attention over the foreground
    assert np.isfinite(result.interactions.p).all()


def test_pooled_tf_test_with_one_filter_per_tf_is_the_filter_test():
    """One filter per TF: the pooled TF test sees the filter pair's sample (same p); only the
    BH family differs (TF pairs, not filter pairs). best-filter keeps the filter row's q."""
    model, data = _data()
    fm = _filter_motifs()
    out = {}
    for mode in ("pooled", "best-filter"):
        settings = inter.InterpretSettings(compare="all", min_fg=2, tf_test=mode)
        out[mode] = inter.infer_interactions(model, data, fm, attention_maps, METHOD, settings, map_is_attention=True)
        assert out[mode].summary["tf_test"] == mode
    pooled, best = out["pooled"].tf_interactions, out["best-filter"].tf_interactions
    filt = out["pooled"].interactions
    row01 = filt[(filt.filter_a == "filter0") & (filt.filter_b == "filter1")].iloc[0]
    assert len(pooled) == 1 and (pooled.tf1[0], pooled.tf2[0]) == ("TF0", "TF1")
    exact = dict(rel=1e-9, abs=0)
    assert pooled.p[0] == pytest.approx(row01.p, **exact) and pooled.q[0] == pytest.approx(row01.p, **exact)  # one test: q = p
    assert best.q[0] == pytest.approx(row01.q, **exact)
    assert pooled.n_filter_pairs[0] == best.n_filter_pairs[0] == 1


def _data_with_a_copy_of_filter1():
    """The planted data, filter 3 made a copy of filter 1 (same hits); the default filter table."""
    model, data = _data()
    with torch.no_grad():
        model.conv[0].weight[3] = model.conv[0].weight[1]
        model.conv[0].bias[3] = model.conv[0].bias[1]
    return model, data, _filter_motifs()


def test_pooled_tf_test_pools_the_filters_of_a_tf():
    """Two filters named after TF1 (filter 1 and a copy of it): the TF pair is tested once,
    on the union of their hits, and both filter pairs are counted behind it."""
    model, data, fm = _data_with_a_copy_of_filter1()
    fm.loc[3, ["motif_id", "tf"]] = ["M1b", "tf1"]
    settings = inter.InterpretSettings(compare="all", min_fg=2)
    result = inter.infer_interactions(model, data, fm, attention_maps, METHOD, settings, map_is_attention=True)
    tf, filt = result.tf_interactions, result.interactions
    assert len(tf) == 1 and {tf.tf1[0].lower(), tf.tf2[0].lower()} == {"tf0", "tf1"}
    assert tf.n_filter_pairs[0] == 2  # (0, 1) and (0, 3); (1, 3) is the same TF
    row01 = filt[(filt.filter_a == "filter0") & (filt.filter_b == "filter1")].iloc[0]
    assert tf.p[0] == pytest.approx(row01.p, rel=1e-9, abs=0) and tf.q[0] == tf.p[0]  # the copy adds no new hit
    assert len(filt) >= 2  # the filter-level family holds (0, 1), (0, 3) and more
    with pytest.raises(InputError, match="--tf-test"):
        inter.check_settings(inter.InterpretSettings(tf_test="best"))


def test_pooled_cluster_test_pools_the_tfs_of_a_cluster():
    """TF1 and TF1b (a copy of filter 1) in one cluster: cluster_interactions.tsv tests the
    cluster pair once, on the union of the filters' hits."""
    model, data, fm = _data_with_a_copy_of_filter1()
    fm.loc[3, ["motif_id", "tf"]] = ["M1b", "TF1b"]
    fm["cluster_name"] = ["C0", "C1", "", "C1", "", ""]
    fm["cluster_tfs"] = ["TF0", "TF1,TF1b", "", "TF1,TF1b", "", ""]
    settings = inter.InterpretSettings(compare="all", min_fg=2)
    result = inter.infer_interactions(model, data, fm, attention_maps, METHOD, settings, map_is_attention=True)
    tf, cl = result.tf_interactions, result.cluster_interactions
    assert len(tf) == 2 and len(cl) == 1
    row = cl.iloc[0]
    assert (row.cluster1, row.cluster2, row.n_tf_pairs, row.cluster2_tfs) == ("C0", "C1", 2, "TF1,TF1b")
    assert row.q == row.p and row.p == pytest.approx(tf.p.min(), rel=1e-9, abs=0)  # one test; same hits as TF1
    best = inter.infer_interactions(model, data, fm, attention_maps, METHOD,
                                    inter.InterpretSettings(compare="all", min_fg=2, tf_test="best-filter"),
                                    map_is_attention=True)
    assert best.cluster_interactions.q[0] == best.tf_interactions.q.min()  # the aggregate of the TF table


def test_every_cache_level_gives_the_same_tables():
    model, data = _data()
    tables = []
    # the candidates (labelled and predicted positive, or negative) of this data set
    logits, _, _ = select.scan(model, data.X)
    probs = select.sigmoid(logits)
    n_candidates = (select.foreground_mask(data.Y, probs) | select.negative_mask(data.Y, probs)).sum()
    maps_only = n_candidates * 27 * 27 * 4 * 1.1 / 2 ** 20  # holds their maps, not the activations too
    for cache_mb, map_is_attention in ((0, False), (0, True), (1024, True), (maps_only, True), (1024, False),
                                       (maps_only, False)):
        settings = inter.InterpretSettings(compare="all", min_fg=2, cache_mb=cache_mb)
        result = inter.infer_interactions(model, data, _filter_motifs(), attention_maps, METHOD, settings,
                                          map_is_attention=map_is_attention)
        tables.append(result.interactions)
        if map_is_attention or cache_mb != maps_only:  # (the foreground alone fits in maps_only)
            assert result.summary["cache"] == {0: "none", 1024: "activations+maps"}.get(cache_mb, "maps")
    for other in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], other)
    # a budget that holds the maps but not the activations: the convolution is recomputed
    cache = select.ScanCache(int(len(data.X) * 27 * 27 * 4 * 1.1))
    select.scan(model, data.X, 16, cache=cache, cache_rows=lambda rows, probs: np.ones(len(rows), bool))
    assert cache.enabled and not cache.keep_pooled
    small = select.ScanCache(1000)
    select.scan(model, data.X, 16, cache=small, cache_rows=lambda rows, probs: np.ones(len(rows), bool))
    assert not small.enabled and not small.has([0])


def test_shuffled_background_for_multilabel():
    model, data = _data(40, 0)
    data = select.Dataset(data.ids, data.X, np.ones((len(data.X), 1), np.uint8), ["y"])
    settings = inter.InterpretSettings(background="shuffle", min_fg=2, pred_threshold=0.01)
    result = inter.infer_interactions(model, data, _filter_motifs(), attention_maps, METHOD, settings,
                                      map_is_attention=True)
    s = result.summary
    assert s["background"] == "shuffle" and s["compare"] == "all" and s["n_bg"] == s["n_fg"] == 40
    assert result.tf_interactions.q[0] < 0.05


def test_empty_foreground_gives_empty_tables():
    model, data = _data(10, 10)
    data = select.Dataset(data.ids, data.X, np.zeros_like(data.Y), ["y"])
    result = inter.infer_interactions(model, data, _filter_motifs(), attention_maps, METHOD, inter.InterpretSettings())
    assert result.interactions.empty and result.tf_interactions.empty
    assert result.summary["warning"] == "empty foreground"


def test_fixed_cutoff_and_bad_settings():
    assert inter.parse_cutoff("mean") is None
    assert inter.parse_cutoff("0.2") == 0.2
    for bad in ("-1", "nan", "high"):
        with pytest.raises(InputError, match="--attn-cutoff"):
            inter.parse_cutoff(bad)
    model, data = _data(10, 10)
    with pytest.raises(InputError, match="has 6"):
        inter.infer_interactions(model, data, _filter_motifs(4), attention_maps, METHOD, inter.InterpretSettings())
    with pytest.raises(InputError, match="--pred-threshold"):
        inter.check_settings(inter.InterpretSettings(pred_threshold=1.0))
    with pytest.raises(InputError, match="--compare"):
        inter.check_settings(inter.InterpretSettings(compare="x"))
