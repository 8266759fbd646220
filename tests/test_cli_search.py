"""satori-search end to end on tiny data (hyper mode; lambda mode when the tools exist)."""

import json

import pandas as pd
import pytest
import torch

from satori import formats
from satori.cli.search import main
from satori.models import load
from train_helpers import write_data

FAST = ["--threads", "1", "--device", "cpu", "--log-level", "WARNING", "--pool", "2", "--max-epochs", "2",
        "--patience", "0"]

SPACE = {"n_filters": [4, 8], "filter_width": [5, 7], "n_heads": [1, 2], "head_dim": [4], "linear_units": [8],
         "dropout": [0.0, 0.1], "optimizer": ["adam", "sgd"], "lr": {"log_uniform": [1e-3, 1e-2]},
         "batch_size": [16, 32]}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    fa, lab = write_data(d, n=80, length=40, n_labels=1)
    space = d / "space.json"
    space.write_text(json.dumps(SPACE))
    return fa, lab, space


def search(fa, lab, outdir, *extra):
    return main(["--fasta", str(fa), "--labels", str(lab), "--outdir", str(outdir), *FAST, *extra])


def test_hyper_search_is_reproducible_and_selects_by_validation_auc(data, tmp_path):
    torch.set_num_threads(1)
    fa, lab, space = data
    args = ["--trials", "2", "--seeds-per-config", "2", "--space", str(space), "--seed", "3"]
    assert search(fa, lab, tmp_path / "a", *args) == 0
    assert search(fa, lab, tmp_path / "b", *args) == 0
    text = (tmp_path / "a" / formats.SEARCH_TSV).read_text()
    assert text == (tmp_path / "b" / formats.SEARCH_TSV).read_text()
    assert {p.name for p in (tmp_path / "a").iterdir()} == {
        formats.SEARCH_TSV, formats.BEST_CONFIG_JSON, formats.BEST_MODEL_DIR, formats.PARAMS_JSON}
    table = pd.read_csv(tmp_path / "a" / formats.SEARCH_TSV, sep="\t")
    assert list(table.columns) == formats.SEARCH_COLUMNS + sorted(SPACE)
    assert table[["trial", "seed"]].values.tolist() == [[0, 3], [0, 4], [1, 3], [1, 4]]
    assert (table["status"] == "ok").all()
    best_row = table.loc[table["selected"] == 1].iloc[0]
    assert best_row["valid_auc"] == table["valid_auc"].max()

    best = json.loads((tmp_path / "a" / formats.BEST_CONFIG_JSON).read_text())
    assert (best["trial"], best["seed"]) == (best_row["trial"], best_row["seed"])
    assert best["valid_auc"] == pytest.approx(best_row["valid_auc"], rel=1e-5)
    for name in SPACE:
        assert best["options"][name] == best_row[name] == best["searched"][name]
    assert best["options"]["pool"] == 2 and best["options"]["max_epochs"] == 2  # fixed flags are part of it
    assert "satori-train" in best["command"] and f"--seed {best['seed']}" in best["command"]
    assert len(best["selection_data"]["fingerprint"]) == 64
    model = load(tmp_path / "a" / formats.BEST_MODEL_DIR)
    assert model.config.n_filters == best["options"]["n_filters"] and model.config.pool == 2
    assert not (tmp_path / "a" / formats.BEST_MODEL_DIR / formats.CHECKPOINT_PT).exists()
    metrics = json.loads((tmp_path / "a" / formats.BEST_MODEL_DIR / formats.METRICS_JSON).read_text())
    assert metrics["best_valid_auc"] == pytest.approx(best["valid_auc"])
    # a different seed draws other configurations
    assert search(fa, lab, tmp_path / "c", "--trials", "2", "--space", str(space), "--seed", "4") == 0
    other = pd.read_csv(tmp_path / "c" / formats.SEARCH_TSV, sep="\t")
    assert other[sorted(SPACE)].values.tolist() != table[sorted(SPACE)].drop_duplicates().values.tolist()


def test_search_keeps_trials_on_request_and_fixed_variant_flags(data, tmp_path):
    fa, lab, space = data
    out = tmp_path / "s"
    assert search(fa, lab, out, "--trials", "1", "--space", str(space), "--keep-trials", "--arch", "deep",
                  "--deep-channels", "4", "--entropy-lambda", "0.01") == 0
    trials = sorted(p.name for p in (out / "trials").iterdir())
    assert trials == ["trial000-seed0"]
    cfg = load(out / formats.BEST_MODEL_DIR).config
    assert cfg.arch == "deep" and cfg.deep_channels == 4 and cfg.residual_attention  # auto: deep with lambda > 0


def test_bad_input(data, tmp_path, capsys):
    fa, lab, space = data
    bad_space = tmp_path / "bad.json"
    bad_space.write_text(json.dumps({"colour": ["red"]}))
    assert search(fa, lab, tmp_path / "x", "--space", str(bad_space)) == 2
    assert "cannot be searched" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert search(fa, lab, tmp_path / "x", "--trials", "0") == 2
    assert search(fa, lab, tmp_path / "x", "--mode", "lambda") == 2
    assert "--truth" in capsys.readouterr().err
    # labels without a split column: trials would be validated on different sequences
    nosplit = tmp_path / "nosplit.tsv"
    pd.read_csv(lab, sep="\t").drop(columns="split").to_csv(nosplit, sep="\t", index=False)
    assert search(fa, nosplit, tmp_path / "x", "--space", str(space)) == 2
    assert "split column" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    # an earlier search is not overwritten silently
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / formats.SEARCH_TSV).write_text("x")
    assert search(fa, lab, tmp_path / "y", "--space", str(space)) == 2
    assert "--overwrite" in capsys.readouterr().err
    # --config must be a best_config.json
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"options": {"wings": 2}}))
    assert search(fa, lab, tmp_path / "z", "--space", str(space), "--config", str(cfg)) == 2
    assert "unknown satori-train options" in capsys.readouterr().err


def test_lambda_mode_end_to_end(tmp_path):
    pytest.importorskip("satori.cli.filter_motifs")
    pytest.importorskip("satori.cli.interpret_raw")
    pytest.importorskip("satori.cli.evaluate")
    simulate = pytest.importorskip("satori.cli.simulate").main

    sim = tmp_path / "sim"
    assert simulate(["--outdir", str(sim), "--n-seqs", "300", "--length", "150", "--n-tfs", "4", "--n-pairs", "3",
                     "--seed", "11", "--log-level", "WARNING"]) == 0
    out = tmp_path / "lam"
    status = main(["--mode", "lambda", "--fasta", str(sim / formats.SEQUENCES_FA), "--labels",
                   str(sim / formats.LABELS_TSV), "--truth", str(sim / formats.PAIRS_TSV), "--motif-db",
                   str(sim / formats.MOTIFS_MEME), "--outdir", str(out), "--lambdas", "1e-4,1e-2",
                   "--n-filters", "8", "--filter-width", "7", "--n-heads", "2", "--head-dim", "4",
                   "--linear-units", "8", "--filter-motifs-args", "--min-sites 2", *FAST])
    assert status == 0
    table = pd.read_csv(out / formats.LAMBDA_SELECTION_TSV, sep="\t")
    assert list(table.columns) == formats.LAMBDA_COLUMNS and table["entropy_lambda"].tolist() == [1e-4, 1e-2]
    best = json.loads((out / formats.BEST_LAMBDA_JSON).read_text())
    assert best["entropy_lambda"] in (1e-4, 1e-2) and 0 <= best["f1"] <= 1
    assert table.loc[table["selected"] == 1, "entropy_lambda"].item() == best["entropy_lambda"]
    assert load(out / formats.BEST_MODEL_DIR).config.n_filters == 8
    for lam in ("0.0001", "0.01"):
        assert (out / "trials" / f"lambda{lam}-interpretation" / "evaluate" / formats.EVALUATION_JSON).is_file()
