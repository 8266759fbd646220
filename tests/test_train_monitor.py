"""Issue 17: the entropy warm-up, the mean readout and the per-epoch filter-sharpness monitor."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from satori import formats
from satori.cli import train as train_cli
from satori.data.onehot import one_hot
from satori.models import ModelConfig, build
from satori.motifs.io import information_content
from satori.train import TrainSettings
from satori.train.monitor import filter_information
from train_helpers import TINY_MODEL, write_data


def test_lambda_warmup_ramps_linearly_then_holds():
    s = TrainSettings(entropy_lambda=0.01, entropy_warmup=4)
    assert [s.lambda_at(e) for e in range(1, 7)] == pytest.approx([0.0, 0.0025, 0.005, 0.0075, 0.01, 0.01])
    assert TrainSettings(entropy_lambda=0.01, entropy_warmup=0).lambda_at(1) == 0.01  # no warm-up: the paper
    default = TrainSettings(entropy_lambda=0.01)  # default W = 2: epoch 1 without the entropy term
    assert [default.lambda_at(e) for e in (1, 2, 3)] == pytest.approx([0.0, 0.005, 0.01])
    with pytest.raises(Exception, match="--entropy-warmup"):
        TrainSettings(entropy_warmup=-1).validate()


def test_mean_readout_is_position_free_and_shaped():
    torch.manual_seed(0)
    flat = build(ModelConfig(length=60, n_filters=8, filter_width=7, pool=2, n_heads=2, head_dim=4, linear_units=8))
    mean = build(ModelConfig(length=60, n_filters=8, filter_width=7, pool=2, n_heads=2, head_dim=4, linear_units=8,
                             readout="mean"))
    # flatten: one weight per position and unit; mean: one per unit
    assert flat.readout[-1].in_features == flat.config.pooled_length * 8 and mean.readout[-1].in_features == 8
    X = torch.from_numpy(one_hot(["".join(np.random.default_rng(1).choice(list("ACGT"), 60))] * 3)).float()
    mean.eval()
    assert mean(X).shape == (3, 1)
    with pytest.raises(Exception, match="readout"):
        build(ModelConfig(length=60, readout="sum"))


def _reference_ic(model, X, min_sites=10, fraction=0.65):
    """Straightforward loops: sites above fraction x max, counts + 0.25, mean IC."""
    with torch.no_grad():
        acts = model.conv_activations(X.float()).numpy()  # (n, F, Lc)
    k = model.config.filter_width
    Xn = X.numpy()
    ics = []
    for f in range(acts.shape[1]):
        thr = fraction * acts[:, f].max()
        counts, n = np.zeros((k, 4)), 0
        for s in range(acts.shape[0]):
            for i in range(acts.shape[2]):
                if acts[s, f, i] > thr:
                    counts += Xn[s, :, i:i + k].T
                    n += 1
        if n >= min_sites:
            pwm = (counts + 0.25) / (counts + 0.25).sum(1, keepdims=True)
            ics.append(information_content(pwm))
    return (float(np.mean(ics)) if ics else math.nan), len(ics)


def test_filter_information_matches_a_loop_and_sees_a_sharp_filter():
    rng = np.random.default_rng(3)
    motif = "TGACTCA"
    seqs = []
    for _ in range(40):
        s = list(rng.choice(list("ACGT"), 50))
        p = int(rng.integers(0, 43))
        s[p:p + 7] = motif
        seqs.append("".join(s))
    X = torch.from_numpy(one_hot(seqs))
    torch.manual_seed(0)
    model = build(ModelConfig(length=50, n_filters=6, filter_width=7, pool=2, n_heads=2, head_dim=4, linear_units=8))
    model.eval()
    got = filter_information(model, X, batch_size=16)
    want = _reference_ic(model, X)
    assert got[1] == want[1] and got[0] == pytest.approx(want[0], abs=1e-6)
    # a filter that is the motif's one-hot gets nearly all 14 bits; random filters far fewer
    with torch.no_grad():
        model.conv[0].weight.zero_()
        model.conv[0].weight[0] = torch.from_numpy(one_hot([motif])[0]).float() * 2 - 1
        model.conv[0].bias.zero_()
    # the zeroed filters have no sites, so the mean is filter 0's alone
    sharp_ic, n_sharp = filter_information(model, X, batch_size=16)
    assert n_sharp == 1 and sharp_ic == pytest.approx(_reference_ic(model, X)[0], abs=1e-6)
    assert sharp_ic > 11.0 and want[0] < sharp_ic - 3.0


def test_history_and_metrics_record_lambda_and_filter_ic(tmp_path):
    fa, lab = write_data(tmp_path / "d", n=200, length=60, seed=2)
    out = tmp_path / "m"
    rc = train_cli.main(["--fasta", str(fa), "--labels", str(lab), "--outdir", str(out), *TINY_MODEL,
                         "--max-epochs", "3", "--entropy-lambda", "0.01", "--entropy-warmup", "2",
                         "--monitor-seqs", "20", "--threads", "1", "--log-level", "WARNING"])
    assert rc == 0
    h = pd.read_csv(out / formats.HISTORY_TSV, sep="\t")
    assert list(h.columns) == formats.HISTORY_COLUMNS
    assert h["entropy_lambda"].tolist() == pytest.approx([0.0, 0.005, 0.01])
    assert h["filter_ic"].notna().all() and (h["filter_ic"] > 0).all() and (h["n_filters_ic"] >= 1).all()
    out2 = tmp_path / "m2"
    assert train_cli.main(["--fasta", str(fa), "--labels", str(lab), "--outdir", str(out2), *TINY_MODEL,
                           "--max-epochs", "1", "--monitor-seqs", "0", "--threads", "1", "--log-level", "WARNING"]) == 0
    assert pd.read_csv(out2 / formats.HISTORY_TSV, sep="\t")["filter_ic"].isna().all()


def test_bad_monitor_seqs_one_line(tmp_path, capsys):
    fa, lab = write_data(tmp_path / "d", n=50, length=60)
    rc = train_cli.main(["--fasta", str(fa), "--labels", str(lab), "--outdir", str(tmp_path / "m"), *TINY_MODEL,
                         "--monitor-seqs", "-1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--monitor-seqs" in err[0] and not (tmp_path / "m").exists()


def test_a_dead_model_is_reported(caplog):
    """A constant output (the dead flatten readout) gets one warning naming the fix."""
    import logging

    from satori.data.dataset import load_dataset
    from satori.train import fit

    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        fa, lab = write_data(tmp, n=100, length=60, seed=4)
        data = load_dataset(fa, lab)
    torch.manual_seed(0)
    model = build(ModelConfig(length=60, n_filters=8, filter_width=7, pool=2, n_heads=2, head_dim=4, linear_units=8))
    with torch.no_grad():
        model.readout[-1].weight.zero_()  # output = bias: the same for every sequence
    model.readout[-1].weight.requires_grad_(False)
    with caplog.at_level(logging.WARNING, logger="satori"):
        fit(model, data, TrainSettings(max_epochs=2, patience=0), torch.device("cpu"), progress=False)
    warnings = [r.getMessage() for r in caplog.records if "dead readout" in r.getMessage()]
    assert len(warnings) == 1 and "--readout mean" in warnings[0] and "--batchnorm" in warnings[0]
    # a learning model is not flagged
    caplog.clear()
    torch.manual_seed(0)
    alive = build(ModelConfig(length=60, n_filters=8, filter_width=7, pool=2, n_heads=2, head_dim=4, linear_units=8))
    with caplog.at_level(logging.WARNING, logger="satori"):
        fit(alive, data, TrainSettings(max_epochs=1, patience=0), torch.device("cpu"), progress=False)
    assert not [r for r in caplog.records if "dead readout" in r.getMessage()]
