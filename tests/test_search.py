"""Model selection logic (satori.train.search) with fake training/interpretation."""

import math

import pandas as pd
import pytest

from satori import formats
from satori.errors import InputError
from satori.train import search


def test_check_space_rejects_bad_specs():
    assert search.check_space(search.DEFAULT_SPACE)
    for bad in ({}, {"nope": [1]}, {"lr": []}, {"lr": {"normal": [0, 1]}}, {"lr": {"log_uniform": [0, 1]}},
                {"n_filters": {"log_uniform": [1, 10]}}, {"n_filters": ["x"]}, {"lr": {"uniform": [2, 1]}}):
        with pytest.raises(InputError, match="search space"):
            search.check_space(bad)


def test_sample_configs_is_seeded_distinct_and_in_range():
    space = dict(search.DEFAULT_SPACE)
    a = search.sample_configs(space, 12, seed=5)
    assert a == search.sample_configs(space, 12, seed=5)
    assert a != search.sample_configs(space, 12, seed=6)
    assert len({tuple(sorted(c.items())) for c in a}) == 12
    for c in a:
        assert set(c) == set(space)
        assert 1e-4 <= c["lr"] <= 1e-2 and float(f"{c['lr']:.3g}") == c["lr"]
        for name, spec in space.items():
            if isinstance(spec, list):
                assert c[name] in spec
    ints = search.sample_configs({"deep_blocks": {"int_uniform": [1, 3]}}, 50, seed=0)
    assert {c["deep_blocks"] for c in ints} == {1, 2, 3}
    # a space with fewer points than trials repeats configurations instead of looping forever
    tiny = search.sample_configs({"n_heads": [1, 2]}, 5, seed=0, max_tries=5)
    assert len(tiny) == 5 and {c["n_heads"] for c in tiny} == {1, 2}


def fake_train(fail_when=None):
    calls = []

    def train_fn(params, seed, model_dir):
        calls.append((dict(params), seed))
        if fail_when and fail_when(params, seed):
            model_dir.mkdir(parents=True, exist_ok=True)
            raise InputError("training diverged at epoch 1")
        model_dir.mkdir(parents=True, exist_ok=True)
        (model_dir / formats.CHECKPOINT_PT).write_text("x")
        auc = 0.5 + 0.01 * params.get("n_heads", 0) + 0.001 * seed
        return {"best_valid_auc": auc, "best_valid_loss": 1 - auc, "mean_auc_roc": auc - 0.01, "mean_auprc": 0.5,
                "best_epoch": 2, "epochs_run": 3}

    train_fn.calls = calls
    return train_fn


def test_random_search_selects_by_validation_auc_and_records_failures(tmp_path):
    configs = [{"n_heads": 2}, {"n_heads": 8}, {"n_heads": 4}]
    train_fn = fake_train(fail_when=lambda p, s: p["n_heads"] == 4 and s == 11)
    trials = search.random_search(configs, [10, 11], train_fn, tmp_path)
    assert [(t.trial, t.seed) for t in trials] == [(0, 10), (0, 11), (1, 10), (1, 11), (2, 10), (2, 11)]
    assert train_fn.calls[2] == ({"n_heads": 8}, 10)
    failed = [t for t in trials if not t.ok]
    assert [(t.trial, t.seed) for t in failed] == [(2, 11)] and "diverged" in failed[0].message
    assert not failed[0].model_dir.exists()  # a failed trial leaves no directory
    winner = search.best(trials)
    assert (winner.trial, winner.seed) == (1, 11)
    assert not (winner.model_dir / formats.CHECKPOINT_PT).exists()
    table = search.search_table(trials, winner, ["n_heads"])
    assert list(table.columns) == formats.SEARCH_COLUMNS + ["n_heads"]
    assert table["selected"].tolist() == [0, 0, 0, 1, 0, 0]
    assert table["status"].tolist() == ["ok"] * 5 + ["failed"]
    assert math.isnan(table["valid_auc"].iloc[5])
    text = search.format_tsv(table)
    assert text.splitlines()[0].split("\t")[:3] == ["trial", "seed", "status"]


def test_best_ties_and_all_failed(tmp_path):
    train_fn = fake_train()
    trials = search.random_search([{"n_heads": 2}, {"n_heads": 2, "lr": 1}], [0], train_fn, tmp_path)
    assert search.best(trials).trial == 0  # same AUC and loss: the earlier trial
    failing = fake_train(fail_when=lambda p, s: True)
    with pytest.raises(InputError, match="every trial failed"):
        search.best(search.random_search([{"n_heads": 2}], [0], failing, tmp_path / "f"))


def test_lambda_selection_picks_best_f1_then_precision_then_smaller_lambda(tmp_path):
    f1 = {1e-5: (0.3, 0.5), 1e-4: (0.6, 0.5), 1e-3: (0.6, 0.7), 1e-2: (0.6, 0.7)}
    interpreted = []

    def train_fn(params, seed, model_dir):
        model_dir.mkdir(parents=True)
        return {"best_valid_auc": 0.8 + 0.01 * seed, "best_valid_loss": 0.3, "mean_auc_roc": 0.8}

    def interpret_fn(model_dir, workdir):
        interpreted.append(model_dir.name)
        lam = float(model_dir.name.rsplit("-seed", 1)[0][len("lambda"):])
        if lam == 1e-5:
            raise InputError("no filter annotated")
        value, precision = f1[lam]
        return {"f1": value, "precision": precision, "recall": 0.5, "n_tp": 3, "n_fp": 1, "n_fn": 2}

    results = search.lambda_selection([1e-5, 1e-4, 1e-3, 1e-2], [0, 1], train_fn, interpret_fn, tmp_path)
    # the best seed of each lambda (validation AUC) is the one interpreted
    assert interpreted == ["lambda1e-05-seed1", "lambda0.0001-seed1", "lambda0.001-seed1", "lambda0.01-seed1"]
    winner = search.best_lambda(results)
    assert winner.entropy_lambda == 1e-3  # F1 tie with 1e-4 (lower precision) and 1e-2 (larger lambda)
    table = search.lambda_table(results, winner)
    assert list(table.columns) == formats.LAMBDA_COLUMNS and len(table) == 8
    assert table["selected"].sum() == 1 and table.loc[table["selected"] == 1, "entropy_lambda"].item() == 1e-3
    assert table["interpreted"].tolist() == [0, 1] * 4
    first = table[(table["entropy_lambda"] == 1e-5) & (table["interpreted"] == 1)].iloc[0]
    assert math.isnan(first["f1"]) and "no filter annotated" in first["message"]


def test_parse_lambdas():
    assert search.parse_lambdas("1e-5, 1e-4,0") == [1e-5, 1e-4, 0.0]
    for bad in ("", "x", "-1", "1e-3,1e-3", "nan"):
        with pytest.raises(InputError, match="--lambdas"):
            search.parse_lambdas(bad)


def test_interaction_tools_named_by_module():
    assert search.INTERACTION_TOOLS == ("satori.cli.filter_motifs", "satori.cli.interpret_raw", "satori.cli.evaluate")
    assert isinstance(search.interaction_tools_available(), bool)
