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


def _data(n_pos=60, n_neg=60):
    ids, seqs, planted = planted_dataset(n_pos=n_pos, n_neg=n_neg)
    model = planted_model()
    X = one_hot(seqs)
    centre_readout(model, X)
    return model, select.Dataset(ids, X, planted[:, None].astype(np.uint8), ["y"])


def test_thresholds_computed_once_on_foreground_and_reused(monkeypatch):
    model, data = _data()
    calls = []
    real = inter.score_pairs

    def spy(model, X, map_fn, thresholds, *args, **kwargs):
        calls.append((len(X), thresholds.clone()))
        return real(model, X, map_fn, thresholds, *args, **kwargs)

    monkeypatch.setattr(inter, "score_pairs", spy)
    settings = inter.InterpretSettings(compare="all", min_fg=2)
    result = inter.infer_interactions(model, data, _filter_motifs(), attention_maps, METHOD, settings)
    assert len(calls) == 2
    (n_fg, thr_fg), (n_bg, thr_bg) = calls
    assert torch.equal(thr_fg, thr_bg)
    # the thresholds are 0.65 x the maximum over the foreground only
    logits, conv_max = select.scan(model, data.X)
    fg = select.foreground_mask(data.Y, select.sigmoid(logits), 0.5)
    torch.testing.assert_close(thr_fg, 0.65 * conv_max[torch.from_numpy(fg)].amax(0))
    assert n_fg == fg.sum() == result.summary["n_fg"]
    assert result.summary["background"] == "negatives" and result.summary["compare"] == "all"
    tf = result.tf_interactions
    assert (tf.tf1[0], tf.tf2[0]) == ("TF0", "TF1") and tf.q[0] < 1e-6
    assert 0 < result.summary["cutoff"] < 1  # the mean attention over the foreground
    assert np.isfinite(result.interactions.p).all()


def test_shuffled_background_for_multilabel():
    model, data = _data(40, 0)
    data = select.Dataset(data.ids, data.X, np.ones((len(data.X), 1), np.uint8), ["y"])
    settings = inter.InterpretSettings(background="shuffle", min_fg=2, pred_threshold=0.01)
    result = inter.infer_interactions(model, data, _filter_motifs(), attention_maps, METHOD, settings)
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
