"""DFIM: the batched map equals a slow per-mutant reference loop; CLI end to end; errors."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from _interp_data import centre_readout, planted_dataset, planted_model
from satori import formats
from satori.data.onehot import one_hot
from satori.interpret import dfim


def _slow_map(model, X, thresholds, n_shuffles, seed):
    """Reference: hits by plain loops, one DeepLIFT call per sequence (original or mutant)."""
    cfg = model.config
    p, Lp, k = cfg.pool, cfg.pooled_length, cfg.filter_width
    conv = model.conv_activations(X).detach()
    out = torch.zeros(len(X), Lp, Lp)
    for s in range(len(X)):
        hits = []
        for j in range(Lp):
            best = None
            for f in range(conv.shape[1]):
                vals = conv[s, f, j * p:j * p + p]
                if vals.max() > thresholds[f] and (best is None or vals.max() > best[0]):
                    best = (float(vals.max()), j * p + int(vals.argmax()))
            if best is not None:
                hits.append((j, best[1]))
        refs = dfim.references(X[s:s + 1], n_shuffles, seed)
        w = torch.ones(1, 1)

        def window_sums(x):
            a = dfim.deeplift(model, x[None], refs, w, 64, "cpu")[0].sum(0)
            return {c: float(a[c:c + k].sum()) for _, c in hits}

        orig = window_sums(X[s])
        for i, ci in hits:
            mutant = torch.from_numpy(dfim.mutate(X[s].numpy().astype(np.uint8), ci, k, seed)).float()
            mut = window_sums(mutant)
            for j, cj in hits:
                if abs(ci - cj) >= k:
                    out[s, i, j] = abs(mut[cj] - orig[cj])
    return out


@pytest.fixture(scope="module")
def tiny():
    ids, seqs, planted = planted_dataset(n_pos=3, n_neg=2, seed=4)
    model = planted_model()
    X = torch.from_numpy(one_hot(seqs)).float()
    centre_readout(model, X)
    thresholds = 0.65 * model.conv_activations(X).detach().amax(dim=(0, 2))
    return model, X, thresholds


def test_map_equals_slow_reference(tiny):
    model, X, thresholds = tiny
    maps_fn = dfim.DfimMaps(n_shuffles=3, dl_batch=7, seed=2)
    maps_fn.set_thresholds(thresholds)
    conv, maps = maps_fn(model, X, torch.ones(len(X), 1))
    ref = _slow_map(model, X, thresholds, 3, 2)
    assert maps.shape == ref.shape and (maps >= 0).all()
    # maps are differences of attributions (cancellation): float32 round-off is relative to
    # the attributions' scale, not to each entry, so the absolute tolerance scales with the map
    scale = float(ref.abs().max())
    torch.testing.assert_close(maps, ref, rtol=1e-4, atol=1e-5 * scale)
    # the planted pair interacts: mutating MOTIF0's window changes MOTIF1's attribution in positives
    assert (maps[:3].amax(dim=(1, 2)) > 0).all()
    assert maps_fn.delta is not None and maps_fn.delta < 0.01
    assert maps_fn.summary()["n_mutants"] >= 6
    # deterministic: same seed, same map
    again = dfim.DfimMaps(n_shuffles=3, dl_batch=100, seed=2)
    again.set_thresholds(thresholds)
    torch.testing.assert_close(again(model, X, None)[1], maps, rtol=1e-4, atol=1e-5 * scale)  # other batching


def test_deeplift_keeps_eval_mode_and_converges():
    """A model with dropout stays in eval mode; attributions sum to F(X) - mean F(references)."""
    from satori.models import ModelConfig, build

    torch.manual_seed(0)
    model = build(ModelConfig(length=40, n_filters=8, filter_width=5, pool=2, n_heads=2, head_dim=4,
                              linear_units=8, dropout=0.5)).eval()
    rng = np.random.default_rng(0)
    X = torch.from_numpy(one_hot(["".join(rng.choice(list("ACGT"), 40)) for _ in range(4)])).float()
    refs = dfim.references(X, 3, 0)
    w = torch.ones(4, 1)
    a = dfim.deeplift(model, X, refs, w, 5, "cpu")
    assert not model.training and not any(m.training for m in model.modules())
    assert dfim.convergence_delta(model, X, refs, w, a, "cpu") < 1e-3


def test_mutate_changes_only_the_window():
    x = one_hot(["ACGTACGTACGTAAAA"])[0]
    y = dfim.mutate(x, 4, 6, seed=0)
    assert (y.sum(0) == 1).all() and (y[:, :4] == x[:, :4]).all() and (y[:, 10:] == x[:, 10:]).all()
    assert (dfim.mutate(x, 4, 6, seed=0) == y).all()


def test_requires_thresholds(tiny):
    model, X, _ = tiny
    with pytest.raises(RuntimeError):
        dfim.DfimMaps()(model, X, None)


def test_cli_end_to_end_and_errors(tmp_path, capsys):
    from satori.cli import dfim as cli
    from satori.cli import filter_motifs as cli_fm
    from satori.models import save
    from satori.motifs.io import Motif, write_meme
    from _interp_data import MOTIF0, MOTIF1, write_dataset
    from test_cli_interp import _pwm

    ids, seqs, planted = planted_dataset(n_pos=30, n_neg=30)
    model = planted_model()
    centre_readout(model, one_hot(seqs))
    save(tmp_path / "model", model)
    write_dataset(tmp_path, ids, seqs, planted)
    write_meme(tmp_path / "db.meme", [Motif("MA0", "Tf0", _pwm(MOTIF0)), Motif("MA1", "TF1", _pwm(MOTIF1))])
    common = ["--model", str(tmp_path / "model"), "--fasta", str(tmp_path / "seqs.fa.gz"),
              "--labels", str(tmp_path / "labels.tsv"), "--threads", "1", "--device", "cpu"]
    assert cli_fm.main(common + ["--outdir", str(tmp_path / "fm"), "--motif-db", str(tmp_path / "db.meme"),
                                 "--min-sites", "3"]) == 0
    fm = str(tmp_path / "fm" / formats.FILTER_MOTIFS_TSV)
    out = tmp_path / "dfim"
    assert cli.main(common + ["--filter-motifs", fm, "--outdir", str(out), "--compare", "all", "--min-fg", "3",
                              "--n-shuffles", "2"]) == 0
    inter = pd.read_csv(out / formats.INTERACTIONS_TSV, sep="\t", keep_default_na=False)
    assert list(inter.columns) == formats.INTERACTIONS_COLUMNS
    row = inter[(inter.filter_a == "filter0") & (inter.filter_b == "filter1")].iloc[0]
    assert row.method == "dfim" and row.q < 0.01 and row.n_bg_present == 0
    params = json.loads((out / formats.PARAMS_JSON).read_text())
    assert params["options"]["n_shuffles"] == 2 and params["summary"]["convergence_delta"] < 0.01
    assert params["summary"]["n_mutants"] > 0

    for flag in ("--n-shuffles", "--dl-batch"):
        assert cli.main(common + ["--filter-motifs", fm, "--outdir", str(tmp_path / "o"), flag, "0"]) == 2
        err = [ln for ln in capsys.readouterr().err.splitlines() if "error:" in ln or "Traceback" in ln]
        assert len(err) == 1 and err[0].startswith("satori-dfim: error:") and flag in err[0], err
        assert not (tmp_path / "o").exists()
