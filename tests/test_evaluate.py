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


def _cluster_table(tmp_path):
    from satori import formats

    fox, gata, ets, ctcf = "FOX: FOXA1/FOXA2", "GATA: GATA4/GATA1", "ETS: ELK1/ETS1", "CTCF"
    tfs = {fox: "FOXA1,FOXA2", gata: "GATA4,GATA1", ets: "ELK1,ETS1", ctcf: "CTCF"}
    rows = [  # tf1, tf2, q, cluster1, cluster2
        ("FOXA2", "GATA1", 0.001, fox, gata),   # not an exact hit, a cluster hit for FOXA1-GATA4
        ("FOXA1", "GATA4", 0.02, fox, gata),    # exact hit, same cluster pair (merged)
        ("CTCF", "ELK1", 0.01, ctcf, ets),      # false at both levels
        ("ELK1", "ETS1", 0.3, ets, ets),        # true pair but not predicted (q)
    ]
    df = pd.DataFrame([{"tf1": a, "tf2": b, "q": q, "p": q / 10, "n_filter_pairs": 1, "n_significant": 1,
                        "median_distance": 8, "method": "attn-raw", "cluster1": c1, "cluster2": c2,
                        "cluster1_tfs": tfs[c1], "cluster2_tfs": tfs[c2]} for a, b, q, c1, c2 in rows],
                      columns=formats.TF_INTERACTIONS_COLUMNS)
    df.to_csv(tmp_path / "tf.tsv", sep="\t", index=False)
    pd.DataFrame([("gata4", "foxa1", "M1", "M2"), ("ELK1", "ETS1", "M7", "M8"), ("SP1", "YY1", "M3", "M4")],
                 columns=["tf1", "tf2", "motif1", "motif2"]).to_csv(tmp_path / "pairs.tsv", sep="\t", index=False)
    return tmp_path / "tf.tsv", tmp_path / "pairs.tsv"


def test_cluster_level_and_random_baseline(tmp_path):
    from satori.evaluate import evaluate_clusters, exact_baseline, read_cluster_predictions

    pred, truth_path = _cluster_table(tmp_path)
    truth = read_truth(truth_path)
    cl = read_cluster_predictions(pred)
    assert len(cl) == 3  # FOX-GATA merged
    res = evaluate_clusters(cl, truth, 0.05, n_draws=4000, seed=1)
    assert (res["n_predicted"], res["n_tp"], res["n_fp"], res["n_truth_found"]) == (2, 1, 1, 1)
    assert res["precision"] == 0.5 and res["recall"] == pytest.approx(1 / 3)
    assert res["fn"] == [["elk1", "ets1"], ["sp1", "yy1"]]
    # candidates: pairs of the 4 named clusters with themselves = 10; two match a true pair
    # (FOX-GATA, ETS-ETS): E[precision] = 2/10 exactly; E[recall] = P(a pick covers) / 3 each
    base = res["random_baseline"]
    assert base["n_candidates"] == 10 and base["n_pairs"] == 2
    assert base["precision"] == pytest.approx(0.2, abs=0.02)
    p_cover = 1 - (9 * 8) / (10 * 9)  # a given candidate is among 2 drawn of 10: 1 - C(9,2)/C(10,2)
    assert base["recall"] == pytest.approx(2 * p_cover / 3, abs=0.02)

    exact = evaluate(read_predictions(pred), truth, 0.05)
    assert exact["n_tp"] == 1
    eb = exact_baseline(read_predictions(pred), truth, exact["n_predicted"], n_draws=4000, seed=1)
    # named TFs: FOXA1, FOXA2, GATA1, GATA4, CTCF, ELK1, ETS1 -> 21 pairs, 2 of them true
    assert eb["n_candidates"] == 21 and eb["precision"] == pytest.approx(2 / 21, abs=0.02)


def test_cli_writes_both_levels(tmp_path, capsys):
    pred, truth_path = _cluster_table(tmp_path)
    assert main(["--interactions", str(pred), "--truth", str(truth_path), "--outdir", str(tmp_path / "ev"),
                 "--log-level", "INFO"]) == 0
    doc = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert doc["f1"] == doc["f1"] and doc["cluster"]["precision"] == 0.5
    assert set(doc["random_baseline"]) >= {"precision", "recall", "f1"}
    assert set(doc["cluster"]["random_baseline"]) >= {"precision", "recall", "f1"}
    err = capsys.readouterr().err
    assert "random pairs" in err and "clusters:" in err
    # an older table without cluster columns: exact level only
    pred_old, _ = _write(tmp_path, PRED, TRUTH)
    assert main(["--interactions", str(pred_old), "--truth", str(truth_path), "--outdir", str(tmp_path / "ev2")]) == 0
    assert "cluster" not in json.loads((tmp_path / "ev2" / "evaluation.json").read_text())


def test_cli_clusters_table_scores_its_own_q(tmp_path, capsys):
    """--clusters: the cluster level takes cluster_interactions.tsv's pairs and q, not the
    TF pairs merged (here the TF table predicts FOX-GATA, the cluster table does not)."""
    from satori import formats

    pred, truth_path = _cluster_table(tmp_path)
    fox, gata, ets, ctcf = "FOX: FOXA1/FOXA2", "GATA: GATA4/GATA1", "ETS: ELK1/ETS1", "CTCF"
    rows = [(fox, gata, 0.4, "FOXA1,FOXA2", "GATA4,GATA1"), (ctcf, ets, 0.01, "CTCF", "ELK1,ETS1"),
            (ets, ets, 0.001, "ELK1,ETS1", "ELK1,ETS1")]  # a cluster with itself: left out
    pd.DataFrame([{"cluster1": a, "cluster2": b, "q": q, "p": q / 10, "n_tf_pairs": 1, "n_filter_pairs": 1,
                   "n_significant": 0, "median_distance": 8, "cluster1_tfs": m1, "cluster2_tfs": m2, "tf_pairs": "",
                   "method": "attn-raw"} for a, b, q, m1, m2 in rows],
                 columns=formats.CLUSTER_INTERACTIONS_COLUMNS).to_csv(tmp_path / "cl.tsv", sep="\t", index=False)
    assert main(["--interactions", str(pred), "--clusters", str(tmp_path / "cl.tsv"), "--truth", str(truth_path),
                 "--outdir", str(tmp_path / "ev")]) == 0
    doc = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    c = doc["cluster"]
    assert (c["n_tested"], c["n_predicted"], c["n_tp"], c["n_fp"]) == (2, 1, 0, 1)
    assert doc["n_tp"] == 1  # the exact level still reads --interactions
    assert main(["--interactions", str(pred), "--clusters", str(tmp_path / "none.tsv"), "--truth", str(truth_path),
                 "--outdir", str(tmp_path / "ev3")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--clusters" in err and "none.tsv" in err and not (tmp_path / "ev3").exists()
