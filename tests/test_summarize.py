"""satori-summarize: the benchmark's one table of AUC and precision/recall/F1."""

import json
import math

import pandas as pd
import pytest

from satori import formats
from satori.cli.summarize import main
from satori.errors import InputError
from satori.schema import Evaluation as E, Metrics
from satori.summarize import read_manifest, summarize


def _write_json(path, doc):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def _manifest(tmp_path, rows, columns=("id", "dataset", "entropy_lambda", "db", "method", "evaluation", "metrics")):
    lines = ["\t".join(columns)] + ["\t".join(str(r.get(c, "")) for c in columns) for r in rows]
    path = tmp_path / "runs.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def run_dir(tmp_path):
    """Two configurations sharing one model; the second evaluation has no f1."""
    _write_json(tmp_path / "models/m0/metrics.json", {Metrics.MEAN_AUC_ROC: 0.91, "best_valid_auc": 0.9})
    _write_json(
        tmp_path / "evaluations/a/evaluation.json",
        {E.PRECISION: 0.5, E.RECALL: 0.25, E.F1: 1 / 3, E.N_TP: 1, E.N_FP: 1, E.N_FN: 3, E.TP: [["A", "B"]],
         E.FP: [["A", "C"]], E.FN: [["D", "E"], ["F", "G"], ["H", "I"]]},
    )
    # no f1 (computed from P and R)
    _write_json(
        tmp_path / "evaluations/b/evaluation.json",
        {E.DB_LABEL: "simulation", E.PRECISION: 1.0, E.RECALL: 0.5, E.N_TP: 2, E.N_FP: 0, E.N_FN: 2},
    )
    rows = [
        dict(id="a", dataset="data-40", entropy_lambda="0", db="jaspar", method="raw",
             evaluation="evaluations/a/evaluation.json", metrics="models/m0/metrics.json"),
        dict(id="b", dataset="data-40", entropy_lambda="0", db="simulation", method="raw",
             evaluation="evaluations/b/evaluation.json", metrics="models/m0/metrics.json"),
    ]
    return tmp_path, _manifest(tmp_path, rows)


def test_summary_values(run_dir):
    base, manifest = run_dir
    summary = summarize(read_manifest(manifest), base)
    assert list(summary.columns) == ["id", "dataset", "entropy_lambda", "db", "method"] + formats.BENCHMARK_METRIC_COLUMNS
    a, b = summary.to_dict("records")
    assert a["id"] == "a" and a["db"] == "jaspar"
    assert a["auc"] == pytest.approx(0.91)
    assert (a["precision"], a["recall"], a["f1"]) == pytest.approx((0.5, 0.25, 1 / 3))
    assert (a["tp"], a["fp"], a["fn"]) == (1, 1, 3)
    assert b["f1"] == pytest.approx(2 * 1.0 * 0.5 / 1.5)  # computed
    assert (b["tp"], b["fp"], b["fn"]) == (2, 0, 2)


def test_cli_writes_table_and_params(run_dir, tmp_path):
    base, manifest = run_dir
    out = tmp_path / "out"
    assert main(["--manifest", str(manifest), "--outdir", str(out)]) == 0
    table = pd.read_csv(out / formats.BENCHMARK_SUMMARY_TSV, sep="\t")
    assert table["id"].tolist() == ["a", "b"]
    assert table["f1"].round(4).tolist() == [round(1 / 3, 4), round(2 / 3, 4)]
    params = json.loads((out / formats.PARAMS_JSON).read_text())
    assert params["tool"] == "satori-summarize" and params["options"]["manifest"] == str(manifest)


def test_missing_metrics_column_gives_nan_auc(tmp_path):
    _write_json(tmp_path / "e.json", {"precision": 0.0, "recall": 0.0})
    manifest = _manifest(tmp_path, [dict(id="x", evaluation="e.json")], columns=("id", "evaluation"))
    row = summarize(read_manifest(manifest), tmp_path).iloc[0]
    assert math.isnan(row["auc"]) and row["f1"] == 0.0 and pd.isna(row["tp"])


def test_reads_the_files_of_train_and_evaluate(tmp_path):
    """The layouts satori-train's metrics.json and satori-evaluate's evaluation.json have."""
    _write_json(tmp_path / "m/metrics.json", {
        "task": "binary", "auc_roc": {"label": 0.8}, "auprc": {"label": 0.7}, "mean_auc_roc": 0.8,
        "best_valid_auc": 0.99, "n": {"train": 320, "valid": 40, "test": 40},
    })
    _write_json(tmp_path / "e/evaluation.json", {
        "tool": "satori-evaluate", "db_label": "jaspar", "q_threshold": 0.05, "n_truth": 4,
        "n_tp": 1, "n_fp": 2, "n_fn": 3, "precision": 1 / 3, "recall": 0.25, "f1": 2 / 7,
        "tp": [["a", "b"]], "fp": [["a", "c"], ["a", "d"]], "fn": [["e", "f"], ["g", "h"], ["i", "j"]],
        "pr_curve": [{"q": 0.01, "precision": 1.0, "recall": 0.25, "f1": 0.4, "tp": 1}],
    })
    manifest = _manifest(tmp_path, [dict(id="x", evaluation="e/evaluation.json", metrics="m/metrics.json")],
                         columns=("id", "evaluation", "metrics"))
    row = summarize(read_manifest(manifest), tmp_path).iloc[0]
    assert row["auc"] == pytest.approx(0.8)  # not best_valid_auc
    assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((1 / 3, 0.25, 2 / 7))
    assert (row["tp"], row["fp"], row["fn"]) == (1, 2, 3)


def test_keys_are_the_schema_ones_only(tmp_path, caplog):
    """Values are read by the one key their writer uses: other names are not guessed."""
    _write_json(tmp_path / "m.json", {"test_auc": 0.9, "auc": 0.8, "nested": {Metrics.MEAN_AUC_ROC: 0.7}})
    _write_json(tmp_path / "e.json", {E.PRECISION: 0.5, E.RECALL: 0.5, "tp": [["A", "B"]]})
    manifest = _manifest(tmp_path, [dict(id="x", evaluation="e.json", metrics="m.json")],
                         columns=("id", "evaluation", "metrics"))
    row = summarize(read_manifest(manifest), tmp_path).iloc[0]
    assert math.isnan(row["auc"]) and Metrics.MEAN_AUC_ROC in caplog.text
    assert pd.isna(row["tp"])  # a pair list is not a count


@pytest.mark.parametrize(
    "text, message",
    [
        ("id\tdataset\nx\td\n", "missing column"),
        ("id\tevaluation\n", "no rows"),
        ("id\tevaluation\nx\te.json\nx\te.json\n", "repeats id"),
        ("id\tevaluation\tf1\nx\te.json\t1\n", "clash"),
        ("id\tevaluation\nx\t\n", "empty id or evaluation"),
    ],
)
def test_bad_manifest(tmp_path, text, message):
    path = tmp_path / "runs.tsv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_manifest(path)


@pytest.mark.parametrize(
    "evaluation, message",
    [
        (None, "evaluation file not found"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"f1": 0.5}', "no numeric 'precision' and 'recall'"),
    ],
)
def test_bad_evaluation_is_one_line_exit_2_and_no_output(tmp_path, capsys, evaluation, message):
    if evaluation is not None:
        (tmp_path / "e.json").write_text(evaluation)
    manifest = _manifest(tmp_path, [dict(id="x", evaluation="e.json")], columns=("id", "evaluation"))
    out = tmp_path / "out"
    assert main(["--manifest", str(manifest), "--outdir", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("satori-summarize: error: ") and message in err[0]
    assert not out.exists()


def test_missing_manifest(tmp_path, capsys):
    assert main(["--manifest", str(tmp_path / "nope.tsv"), "--outdir", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--manifest" in err and "nope.tsv: file not found" in err


def test_baseline_and_cluster_columns(tmp_path):
    """The random-pair baseline and the cluster-level block reach the summary; absent = NaN."""
    base = {"precision": 0.1, "recall": 0.05, "f1": 0.0667}
    _write_json(tmp_path / "e1/evaluation.json", {
        "precision": 0.5, "recall": 0.25, "f1": 1 / 3, "random_baseline": base,
        "cluster": {"precision": 0.75, "recall": 0.5, "f1": 0.6, "random_baseline": {"f1": 0.2}},
    })
    _write_json(tmp_path / "e2/evaluation.json", {"precision": 1.0, "recall": 0.5})
    manifest = _manifest(tmp_path, [dict(id="a", evaluation="e1/evaluation.json"),
                                    dict(id="b", evaluation="e2/evaluation.json")], columns=("id", "evaluation"))
    summary = summarize(read_manifest(manifest), tmp_path)
    a, b = summary.iloc[0], summary.iloc[1]
    assert a["random_f1"] == pytest.approx(0.0667) and a["cluster_f1"] == pytest.approx(0.6)
    assert (a["cluster_precision"], a["cluster_recall"], a["cluster_random_f1"]) == pytest.approx((0.75, 0.5, 0.2))
    assert all(math.isnan(b[c]) for c in ("random_f1", "cluster_precision", "cluster_f1", "cluster_random_f1"))
