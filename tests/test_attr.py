"""Attention attribution: completeness, batched steps == per-step loop, CLI end to end, errors."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from _interp_data import centre_readout, planted_dataset, planted_model, write_dataset
from satori import formats
from satori.data.onehot import one_hot
from satori.interpret import attr
from satori.models import ModelConfig, build, save


def _small_model(n_labels=1, heads=2):
    torch.manual_seed(1)
    cfg = ModelConfig(length=30, n_labels=n_labels, n_filters=5, filter_width=5, pool=2, n_heads=heads,
                      head_dim=3, linear_units=6, dropout=0.0)
    return build(cfg).eval()


def _random_X(n, length, seed=0):
    rng = np.random.default_rng(seed)
    return torch.from_numpy(one_hot(["".join(rng.choice(list("ACGT"), size=length)) for _ in range(n)])).float()


def _slow_ig(model, X, A, w, steps):
    """Reference: one sequence, one step, one autograd call at a time."""
    out = torch.zeros_like(A)
    for s in range(len(X)):
        total = torch.zeros_like(A[s])
        for i in range(1, steps + 1):
            a = (i / steps * A[s:s + 1]).clone().requires_grad_(True)
            f = (model(X[s:s + 1], attention=a) * w[s:s + 1]).sum()
            (g,) = torch.autograd.grad(f, a)
            total += g[0]
        out[s] = A[s] / steps * total
    return out


@pytest.mark.parametrize("n_labels", [1, 3])
def test_batched_steps_equal_per_step_loop(n_labels):
    model = _small_model(n_labels)
    X = _random_X(5, 30)
    with torch.no_grad():
        _, A = model(X, return_attention=True)
    labels = torch.from_numpy(np.random.default_rng(2).integers(0, 2, size=(5, n_labels))).float()
    w = attr.target_weights(labels, 5, n_labels, "cpu")
    ref = _slow_ig(model, X, A, w, 7)
    for ig_batch in (1000, 7, 3, 1):  # one pass, one sequence per pass, split steps, one row per pass
        got = attr.integrated_gradients(model, X, A, w, steps=7, ig_batch=ig_batch)
        assert got.shape == A.shape
        torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-6)
    if n_labels == 1:
        assert torch.equal(w, torch.ones(5, 1))
    else:
        assert torch.equal(w, labels)


class _QuadraticInAttention(torch.nn.Module):
    """F_k(A) = (k + 1) · Σ A² per sequence: far from linear, so the Riemann error is known.

    The right Riemann sum of IG gives Σ Attr = (m + 1)/m · (F(A) − F(0)) exactly, so the
    error at m steps is (F(A) − F(0)) / m: 20 % at m = 5, 0.33 % at m = 300, both far above
    float32 round-off on any CPU.
    """

    def __init__(self, n_labels):
        super().__init__()
        self.n_labels = n_labels

    def forward(self, X, attention=None):
        sq = (attention ** 2).sum(dim=(1, 2, 3))  # (b,)
        return torch.stack([(k + 1) * sq for k in range(self.n_labels)], dim=1)


def test_completeness_riemann_error():
    """Σ Attr = F(A) − F(0) up to the right Riemann sum's O(1/m) error, measured where it is large."""
    model = _QuadraticInAttention(n_labels=2)
    A = torch.rand(4, 2, 6, 6, generator=torch.Generator().manual_seed(0))
    X = torch.zeros(4, 4, 12)
    labels = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    w = attr.target_weights(labels, 4, 2, "cpu")
    diff = (model(X, attention=A) * labels).sum(1)  # F(0) = 0
    for m in (5, 300):
        got = attr.integrated_gradients(model, X, A, w, steps=m, ig_batch=64).sum(dim=(1, 2, 3))
        torch.testing.assert_close(got - diff, diff / m, rtol=1e-3, atol=0)
    # a wrong rule (left sum, i = 0..m-1) would give error −diff/m: the sign is checked too
    got5 = attr.integrated_gradients(model, X, A, w, steps=5).sum(dim=(1, 2, 3))
    assert ((got5 - diff) > 0.1 * diff).all()


def test_completeness_real_model():
    """On the real model, m = 300 recovers F(A) − F(0) within 1 % (no round-off comparison)."""
    model = _small_model(n_labels=2, heads=2)
    X = _random_X(4, 30, seed=3)
    labels = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    with torch.no_grad():
        logits, A = model(X, return_attention=True)
        f_a = (model(X, attention=A) * labels).sum(1)
        f_0 = (model(X, attention=torch.zeros_like(A)) * labels).sum(1)
    w = attr.target_weights(labels, 4, 2, "cpu")
    got300 = attr.integrated_gradients(model, X, A, w, steps=300, ig_batch=600).sum(dim=(1, 2, 3))
    diff = f_a - f_0
    assert (diff.abs() > 1e-3).all()  # a non-trivial check
    assert ((got300 - diff).abs() <= 0.01 * diff.abs() + 1e-4).all(), (got300, diff)


def test_map_fn_shapes_and_nonnegative():
    model = _small_model(n_labels=1, heads=2)
    X = _random_X(3, 30)
    conv, maps = attr.make_map_fn(steps=4, ig_batch=5)(model, X, torch.ones(3, 1))
    L = model.config.pooled_length
    assert conv.shape == (3, 5, 26) and maps.shape == (3, L, L) and (maps >= 0).all()
    assert not model.training
    with pytest.raises(ValueError):
        attr.make_map_fn(steps=0)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    from satori.cli import filter_motifs as cli_fm
    from test_cli_interp import _pwm
    from satori.motifs.io import Motif, write_meme
    from _interp_data import MOTIF0, MOTIF1

    tmp = tmp_path_factory.mktemp("attr")
    ids, seqs, planted = planted_dataset(n_pos=60, n_neg=60)
    model = planted_model()
    centre_readout(model, one_hot(seqs))
    save(tmp / "model", model)
    write_dataset(tmp, ids, seqs, planted)
    write_meme(tmp / "db.meme", [Motif("MA0", "Tf0", _pwm(MOTIF0)), Motif("MA1", "TF1", _pwm(MOTIF1))])
    assert cli_fm.main(_common(tmp) + ["--outdir", str(tmp / "fm"), "--motif-db", str(tmp / "db.meme"),
                                       "--min-sites", "3"]) == 0
    return tmp


def _common(w):
    return ["--model", str(w / "model"), "--fasta", str(w / "seqs.fa.gz"), "--labels", str(w / "labels.tsv"),
            "--threads", "1", "--device", "cpu"]


def test_cli_end_to_end(workdir):
    from satori.cli import interpret_attr as cli

    w = workdir
    out = w / "attr"
    assert cli.main(_common(w) + ["--filter-motifs", str(w / "fm" / formats.FILTER_MOTIFS_TSV), "--outdir", str(out),
                                  "--compare", "all", "--min-fg", "3", "--steps", "5", "--ig-batch", "64"]) == 0
    inter = pd.read_csv(out / formats.INTERACTIONS_TSV, sep="\t", keep_default_na=False)
    assert list(inter.columns) == formats.INTERACTIONS_COLUMNS
    row = inter[(inter.filter_a == "filter0") & (inter.filter_b == "filter1")].iloc[0]
    assert row.method == "attn-attr" and row.q < 1e-3 and row.n_bg_present == 0
    tf = pd.read_csv(out / formats.TF_INTERACTIONS_TSV, sep="\t", keep_default_na=False)
    assert list(tf.columns) == formats.TF_INTERACTIONS_COLUMNS and (tf.method == "attn-attr").all()
    params = json.loads((out / formats.PARAMS_JSON).read_text())
    assert params["options"]["steps"] == 5 and params["summary"]["method"] == "attn-attr"


def test_cli_errors(workdir, tmp_path, capsys):
    from satori.cli import interpret_attr as cli

    w = workdir
    fm = str(w / "fm" / formats.FILTER_MOTIFS_TSV)
    for flag, value in (("--steps", "0"), ("--ig-batch", "0"), ("--attn-cutoff", "x")):
        assert cli.main(_common(w) + ["--filter-motifs", fm, "--outdir", str(tmp_path / "o"), flag, value]) == 2
        err = [ln for ln in capsys.readouterr().err.splitlines() if "error:" in ln or "Traceback" in ln]
        assert len(err) == 1 and err[0].startswith("satori-interpret-attr: error:") and flag in err[0], err
        assert not (tmp_path / "o").exists()
