"""satori-train flags of the model variants (issue 7): recorded in config.json, resumable."""

import json

import numpy as np
import pytest
import torch

from satori import formats
from satori.cli.train import main
from satori.models import load
from satori.models.preloaded import preloaded_filter_table
from satori.motifs.io import Motif, write_meme
from train_helpers import TINY_MODEL, write_data

FAST = TINY_MODEL + ["--threads", "1", "--batch-size", "16", "--lr", "3e-3", "--device", "cpu",
                     "--log-level", "WARNING", "--max-epochs", "2"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_data(tmp_path_factory.mktemp("data"), n=80, length=40, n_labels=1)


def train(fa, lab, outdir, *extra):
    return main(["--fasta", str(fa), "--labels", str(lab), "--outdir", str(outdir), *FAST, *extra])


def config(outdir):
    return json.loads((outdir / formats.CONFIG_JSON).read_text())


@pytest.mark.parametrize("flags, expected", [
    ([], {"arch": "basic", "rnn": False, "positional_encoding": False, "relative_positions": True,
          "residual_attention": False}),  # the relative position bias is on by default
    (["--arch", "deep", "--deep-channels", "4", "--deep-dilations", "2,3"],
     {"arch": "deep", "deep_channels": 4, "deep_dilations": [2, 3], "residual_attention": False}),
    (["--arch", "deep", "--deep-channels", "4", "--entropy-lambda", "0.01"],
     {"arch": "deep", "residual_attention": True}),  # auto: on for deep with the entropy loss
    (["--arch", "deep", "--deep-channels", "4", "--entropy-lambda", "0.01", "--residual-attention", "off"],
     {"residual_attention": False}),
    (["--residual-attention", "on"], {"arch": "basic", "residual_attention": True}),
    (["--rnn", "--rnn-hidden", "3"], {"rnn": True, "rnn_hidden": 3}),
    (["--positional-encoding"], {"positional_encoding": True}),
    (["--relative-positions", "off"], {"relative_positions": False}),  # the paper's attention
])
def test_variant_flags_are_recorded(data, tmp_path, flags, expected):
    fa, lab = data
    out = tmp_path / "m"
    assert train(fa, lab, out, *flags) == 0
    cfg = config(out)
    for key, value in expected.items():
        assert cfg[key] == value, key
    assert cfg["format"] == 1 and cfg["filter_motifs"] is None
    model = load(out)
    _, probs = model(torch.rand(2, 4, 40), return_attention=True)
    L = model.config.pooled_length
    assert probs.shape == (2, 2, L, L)
    if expected.get("relative_positions"):
        # the table starts at zero and must have been trained and saved
        assert model.attention.position_bias.table.abs().sum() > 0


def pwm_of(consensus):
    rows = np.full((len(consensus), 4), 0.05)
    for j, b in enumerate(consensus):
        rows[j, "ACGT".index(b)] = 0.85
    return rows


def test_preloaded_filters_through_the_cli_and_resume(data, tmp_path):
    fa, lab = data
    motifs = tmp_path / "motifs.meme"
    write_meme(motifs, [Motif("MA1", "TGA", pwm_of("TGACTCA")), Motif("MA2", "CAC", pwm_of("CACGTG"))])
    out = tmp_path / "pre"
    assert train(fa, lab, out, "--preload-motifs", str(motifs), "--seed", "2") == 0
    cfg = config(out)
    assert cfg["n_filters"] == 4 and cfg["filter_width"] == 7
    assert [(e["id"], e["name"], e["strand"]) for e in cfg["filter_motifs"]] == [
        ("MA1", "TGA", "+"), ("MA1", "TGA", "-"), ("MA2", "CAC", "+"), ("MA2", "CAC", "-")]
    model = load(out)
    w = model.conv[0].weight.detach()
    assert torch.all(w[2:, :, 6] == 0) and not torch.all(w[0, :, 6] == 0)  # CACGTG padded to width 7
    table = preloaded_filter_table(model.config)
    assert table["motif_id"].tolist() == ["MA1", "MA1", "MA2", "MA2"]

    # resume continues with the same pre-loaded filters (the config is rebuilt identically)
    args = ["--preload-motifs", str(motifs), "--seed", "2", "--max-epochs", "3"]
    assert main(["--fasta", str(fa), "--labels", str(lab), "--resume", str(out), *FAST, *args]) == 0
    again = load(out)
    assert torch.equal(again.conv[0].weight, w)


def test_bad_variant_flags(data, tmp_path, capsys):
    fa, lab = data
    assert train(fa, lab, tmp_path / "a", "--arch", "deep", "--deep-dilations", "2,x") == 2
    assert "--deep-dilations" in capsys.readouterr().err
    assert train(fa, lab, tmp_path / "b", "--cluster-threshold", "1e-3") == 2
    assert "--preload-motifs" in capsys.readouterr().err
    assert train(fa, lab, tmp_path / "c", "--preload-motifs", str(tmp_path / "none.meme")) == 2
    assert "not found" in capsys.readouterr().err
    motifs = tmp_path / "m.meme"
    write_meme(motifs, [Motif("MA1", "TGA", pwm_of("TGACTCA"))])
    assert train(fa, lab, tmp_path / "d", "--preload-motifs", str(motifs), "--batchnorm") == 2
    assert "batch normalisation" in capsys.readouterr().err
    assert not any((tmp_path / n).exists() for n in "abcd")
