import numpy as np
import pandas as pd
import pytest

from satori import formats
from satori.interpret.tables import interactions_table, tf_interactions_table


def _filter_motifs(tfs):
    return pd.DataFrame({
        "filter": [f"filter{i}" for i in range(len(tfs))],
        "motif_id": [f"M{i}" if t else "" for i, t in enumerate(tfs)],
        "tf": tfs,
        "index": range(len(tfs)),
    })


def _tests(rows):
    cols = ["filter_a", "filter_b", "p", "q", "distance"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("n_fg", "n_bg", "n_fg_present", "n_bg_present"):
        df[c] = 5
    df["median_fg"], df["median_bg"] = 0.5, 0.2
    return df


def test_interactions_flags_and_names():
    fm = _filter_motifs(["FOXA1", "foxa1", "GATA4", "", "Max::Myc"])
    tests = _tests([(0, 2, 1e-5, 1e-4, 8), (0, 1, 1e-4, 1e-3, 4), (2, 3, 0.01, 0.02, 4), (2, 2, 0.001, 0.002, 12),
                    (0, 0, 0.5, 0.6, 4), (3, 3, 0.5, 0.6, 4)])
    out = interactions_table(tests, fm, "attn-raw")
    assert list(out.columns) == formats.INTERACTIONS_COLUMNS
    assert list(out.flag) == ["", "same_tf", "unannotated", "same_tf,same_filter", "same_tf,same_filter",
                              "unannotated,same_filter"]
    assert out.filter_a[0] == "filter0" and out.tf_b[0] == "GATA4" and out.motif_b[0] == "M2"
    assert set(out.method) == {"attn-raw"}


def test_tf_aggregation():
    fm = _filter_motifs(["FOXA1", "foxa1", "GATA4", "Max::Myc", "GATA4"])
    tests = _tests([
        (0, 2, 1e-6, 1e-5, 8),   # FOXA1-GATA4
        (1, 2, 1e-3, 0.01, 12),  # foxa1-GATA4 (same TF pair, case-insensitive)
        (2, 0, 0.2, 0.3, 40),    # GATA4-FOXA1 again, not significant
        (3, 4, 0.04, 0.2, 20),   # Max::Myc-GATA4, not significant
        (2, 4, 1e-9, 1e-8, 4),   # GATA4-GATA4: same TF, excluded
        (0, 3, 0.01, 0.04, 16),  # FOXA1-Max::Myc
    ])
    inter = interactions_table(tests, fm, "attn-raw")
    tf = tf_interactions_table(inter, 0.05, "attn-raw")
    assert list(tf.columns) == formats.TF_INTERACTIONS_COLUMNS
    assert len(tf) == 3
    first = tf.iloc[0]
    assert (first.tf1, first.tf2) == ("FOXA1", "GATA4")
    assert first.q == pytest.approx(1e-5) and first.p == pytest.approx(1e-6)
    assert first.n_filter_pairs == 3 and first.n_significant == 2
    assert first.median_distance == 10  # median over the significant filter pairs (8, 12)
    last = tf[tf.tf1 == "GATA4"].iloc[0]
    assert last.tf2 == "Max::Myc" and last.n_significant == 0 and last.median_distance == 20
    assert list(tf.q) == sorted(tf.q)


def test_tf_aggregation_empty():
    fm = _filter_motifs(["", ""])
    inter = interactions_table(_tests([(0, 1, 0.01, 0.01, 4)]), fm, "attn-raw")
    tf = tf_interactions_table(inter, 0.05, "attn-raw")
    assert tf.empty and list(tf.columns) == formats.TF_INTERACTIONS_COLUMNS
    assert np.isfinite(inter.p).all()


def test_cluster_columns_and_cluster_aggregate():
    from satori.interpret.tables import cluster_interactions_table

    fm = _filter_motifs(["FOXA1", "FOXA2", "GATA4", "GATA1", "CTCF"])
    fm["cluster_name"] = ["FOX: FOXA1/FOXA2", "FOX: FOXA1/FOXA2", "GATA: GATA4/GATA1", "GATA: GATA4/GATA1", "CTCF"]
    fm["cluster_tfs"] = ["FOXA1,FOXA2", "FOXA1,FOXA2", "GATA4,GATA1", "GATA4,GATA1", "CTCF"]
    tests = _tests([
        (2, 0, 1e-6, 1e-5, 8),   # GATA4-FOXA1
        (1, 3, 1e-3, 0.01, 12),  # FOXA2-GATA1: same cluster pair
        (0, 4, 0.2, 0.3, 40),    # FOXA1-CTCF
        (0, 1, 0.01, 0.02, 6),   # FOXA1-FOXA2: two TFs of one cluster
    ])
    inter = interactions_table(tests, fm, "attn-raw")
    assert list(inter.cluster_a) == ["GATA: GATA4/GATA1", "FOX: FOXA1/FOXA2", "FOX: FOXA1/FOXA2", "FOX: FOXA1/FOXA2"]
    tf = tf_interactions_table(inter, 0.05, "attn-raw", fm)
    first = tf.iloc[0]
    # clusters follow their TF when the names are put in order
    assert (first.tf1, first.cluster1, first.cluster2_tfs) == ("FOXA1", "FOX: FOXA1/FOXA2", "GATA4,GATA1")
    cl = cluster_interactions_table(tf, 0.05, "attn-raw")
    assert list(cl.columns) == formats.CLUSTER_INTERACTIONS_COLUMNS
    assert len(cl) == 3
    top = cl.iloc[0]
    assert (top.cluster1, top.cluster2) == ("FOX: FOXA1/FOXA2", "GATA: GATA4/GATA1")
    assert top.n_tf_pairs == 2 and top.n_significant == 2 and top.n_filter_pairs == 2
    assert top.q == pytest.approx(1e-5) and top.tf_pairs == "FOXA1+GATA4;FOXA2+GATA1"
    assert top.median_distance == 10
    same = cl[(cl.cluster1 == cl.cluster2)].iloc[0]
    assert same.tf_pairs == "FOXA1+FOXA2"
    # without cluster columns (an older filter_motifs.tsv) the cluster fields stay empty
    tf_old = tf_interactions_table(interactions_table(tests, _filter_motifs(["FOXA1", "FOXA2", "GATA4", "GATA1", "CTCF"]),
                                                      "attn-raw"), 0.05, "attn-raw")
    assert set(tf_old.cluster1) == {""} and cluster_interactions_table(tf_old, 0.05, "x").empty


def test_tf_groups_and_pooled_table():
    from satori.interpret.tables import tf_groups, tf_pooled_table

    fm = pd.DataFrame({"filter": [f"filter{i}" for i in range(5)], "index": range(5),
                       "motif_id": ["M1", "M2", "M3", "", "M5"], "tf": ["gata1", "FOXA1", "GATA1", "", "foxa1"],
                       "cluster_name": ["GATA", "FOX", "GATA", "", "FOX"], "cluster_tfs": ["GATA1", "FOXA1", "GATA1", "", "FOXA1"]})
    groups, names, clusters = tf_groups(fm, 5)
    assert names == ["FOXA1", "gata1"] and clusters == ["FOX", "GATA"]  # name as first written, by lower-case key
    assert groups.tolist() == [1, 0, 1, -1, 0]
    tests = pd.DataFrame({"filter_a": [0], "filter_b": [1], "p": [1e-4], "q": [2e-4], "distance": [24.0]})
    inter = pd.DataFrame({"tf_a": ["gata1", "GATA1", "gata1"], "tf_b": ["FOXA1", "foxa1", "FOXA1"],
                          "q": [0.01, 0.2, 0.5], "flag": ["", "", "unannotated"]})
    tf = tf_pooled_table(tests, names, clusters, inter, 0.05, "attn-raw", fm)
    row = tf.iloc[0]
    assert (row.tf1, row.tf2, row.q, row.p, row.median_distance) == ("FOXA1", "gata1", 2e-4, 1e-4, 24.0)
    assert (row.n_filter_pairs, row.n_significant) == (2, 1)  # the flagged row is not counted
    assert (row.cluster1, row.cluster2, row.cluster1_tfs) == ("FOX", "GATA", "FOXA1")


def test_cluster_groups_and_pooled_table():
    from satori.interpret.tables import cluster_groups, cluster_pooled_table

    fm = pd.DataFrame({"filter": [f"filter{i}" for i in range(4)], "index": range(4),
                       "motif_id": ["M1", "M2", "M3", ""], "tf": ["GATA1", "FOXA1", "GATA2", ""],
                       "cluster_name": ["GATA", "FOX", "GATA", ""], "cluster_tfs": ["GATA1,GATA2", "FOXA1", "GATA1,GATA2", ""]})
    groups, names = cluster_groups(fm, 4)
    assert names == ["FOX", "GATA"] and groups.tolist() == [1, 0, 1, -1]
    assert cluster_groups(fm.drop(columns=["cluster_name", "cluster_tfs"]), 4)[1] == []
    tf = pd.DataFrame({"tf1": ["FOXA1", "FOXA1"], "tf2": ["GATA1", "GATA2"], "q": [0.01, 0.3], "p": [0.001, 0.2],
                       "n_filter_pairs": [1, 1], "n_significant": [1, 0], "median_distance": [20.0, 40.0],
                       "method": "attn-raw", "cluster1": ["FOX", "FOX"], "cluster2": ["GATA", "GATA"],
                       "cluster1_tfs": ["FOXA1", "FOXA1"], "cluster2_tfs": ["GATA1,GATA2", "GATA1,GATA2"]})
    tests = pd.DataFrame({"filter_a": [0], "filter_b": [1], "p": [1e-5], "q": [1e-5], "distance": [24.0]})
    out = cluster_pooled_table(tests, names, tf, 0.05, "attn-raw", fm)
    row = out.iloc[0]
    assert (row.cluster1, row.cluster2, row.q, row.p, row.median_distance) == ("FOX", "GATA", 1e-5, 1e-5, 24.0)
    assert (row.n_tf_pairs, row.n_filter_pairs, row.n_significant) == (2, 2, 1)
    assert row.tf_pairs == "FOXA1+GATA1;FOXA1+GATA2" and row.cluster2_tfs == "GATA1,GATA2"
