import json

import pandas as pd
import pytest

from satori.cli.evaluate import main
from satori.errors import InputError
from satori.evaluate import evaluate, normalise_pair, read_predictions, read_truth


def _write(tmp_path, pred_rows, truth_rows):
    pd.DataFrame(pred_rows, columns=["tf1", "tf2", "q", "p", "n_filter_pairs", "n_significant", "median_distance",
                                     "method"]).to_csv(tmp_path / "tf.tsv", sep="\t", index=False)
    pd.DataFrame(truth_rows, columns=["tf1", "tf2", "motif1", "motif2"]).to_csv(tmp_path / "pairs.tsv", sep="\t",
                                                                               index=False)
    return tmp_path / "tf.tsv", tmp_path / "pairs.tsv"


PRED = [
    ("FOXA1", "GATA4", 0.001, 0.0001, 2, 2, 10, "attn-raw"),
    ("max::myc", "SP1", 0.01, 0.001, 1, 1, 8, "attn-raw"),
    ("CTCF", "YY1", 0.03, 0.001, 1, 1, 8, "attn-raw"),
    ("REST", "TP53", 0.2, 0.1, 1, 0, 8, "attn-raw"),
    ("NFYA", "NFYA", 0.0001, 0.00001, 1, 1, 8, "attn-raw"),
    ("MAX", "SP1", "", "", 1, 0, "", "attn-raw"),
]
TRUTH = [
    ("gata4", "foxa1", "M1", "M2"),
    ("SP1", "MAX::MYC", "M3", "M4"),
    ("TP53", "REST", "M5", "M6"),
    ("ELK1", "ETS1", "M7", "M8"),
    ("NFYA", "nfya", "M9", "M9"),
]


def test_precision_recall_f1_exact(tmp_path):
    pred_path, truth_path = _write(tmp_path, PRED, TRUTH)
    truth = read_truth(truth_path)
    assert truth == {("foxa1", "gata4"), ("max::myc", "sp1"), ("rest", "tp53"), ("elk1", "ets1")}
    res = evaluate(read_predictions(pred_path), truth, 0.05)
    assert (res["n_tp"], res["n_fp"], res["n_fn"]) == (2, 1, 2)
    assert res["precision"] == pytest.approx(2 / 3)
    assert res["recall"] == pytest.approx(2 / 4)
    assert res["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert res["tp"] == [["foxa1", "gata4"], ["max::myc", "sp1"]]
    assert res["fp"] == [["ctcf", "yy1"]]
    assert res["fn"] == [["elk1", "ets1"], ["rest", "tp53"]]
    assert res["n_truth_tested"] == 3  # the heterodimer is not split: MAX-SP1 is not MAX::MYC-SP1
    curve = res["pr_curve"]
    assert [c["q"] for c in curve] == [0.001, 0.01, 0.03, 0.2, 1.0]
    assert [c["tp"] for c in curve] == [1, 2, 2, 3, 3]
    assert curve[-1]["n_predicted"] == 5
    ap = 0.25 * 1 + 0.25 * 1 + 0 + 0.25 * (3 / 4) + 0
    assert res["average_precision"] == pytest.approx(ap)
    strict = evaluate(read_predictions(pred_path), truth, 0.01)  # q < threshold, strictly
    assert strict["n_predicted"] == 1


def test_nothing_predicted_is_zero_not_nan():
    res = evaluate(pd.DataFrame({"pair": [("a", "b")], "q": [0.5]}), {("a", "b")}, 0.05)
    assert (res["precision"], res["recall"], res["f1"]) == (0.0, 0.0, 0.0)
    res = evaluate(pd.DataFrame({"pair": [], "q": []}), set(), 0.05)
    assert res["f1"] == 0.0 and res["pr_curve"] == []


def test_normalise_pair():
    assert normalise_pair("Max::Myc", " SP1") == ("max::myc", "sp1")
    assert normalise_pair("b", "A") == ("a", "b")


def test_cli_writes_evaluation_json(tmp_path, capsys):
    pred_path, truth_path = _write(tmp_path, PRED, TRUTH)
    status = main(["--interactions", str(pred_path), "--truth", str(truth_path), "--outdir", str(tmp_path / "ev"),
                   "--db-label", "jaspar"])
    assert status == 0
    doc = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert doc["db_label"] == "jaspar" and doc["n_tp"] == 2 and doc["methods"] == ["attn-raw"]
    from satori.schema import Evaluation

    assert not [k for k in Evaluation.KEYS if k not in doc]  # every key the report and summarize read
    assert (tmp_path / "ev" / "params.json").is_file()


def test_cli_bad_inputs(tmp_path, capsys):
    pred_path, truth_path = _write(tmp_path, PRED, TRUTH)
    bad = tmp_path / "bad.tsv"
    bad.write_text("x\ty\n1\t2\n")
    for args in (["--interactions", str(bad), "--truth", str(truth_path)],
                 ["--interactions", str(pred_path), "--truth", str(bad)],
                 ["--interactions", str(pred_path), "--truth", str(tmp_path / "missing.tsv")]):
        status = main(args + ["--outdir", str(tmp_path / "out")])
        err = capsys.readouterr().err.strip().splitlines()
        assert status == 2 and len(err) == 1 and err[0].startswith("satori-evaluate: error:")
        assert not (tmp_path / "out").exists()
    with pytest.raises(InputError):
        evaluate(pd.DataFrame({"pair": [], "q": []}), set(), 0)


def test_header_only_table(tmp_path):
    from satori import formats

    path, truth_path = _write(tmp_path, PRED, TRUTH)
    path.write_text("\t".join(formats.TF_INTERACTIONS_COLUMNS) + "\n")
    res = evaluate(read_predictions(path), read_truth(truth_path), 0.05)
    assert res["n_predicted"] == 0 and res["n_fn"] == 4 and res["f1"] == 0.0
