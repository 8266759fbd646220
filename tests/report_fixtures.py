"""A tiny fake run tree for the report tests, in the pipeline's layout.

Files follow DESIGN.md / satori.formats; the JSON outputs of other tools
(metrics.json, evaluation.json, ppi_summary.json) use the key names we expect them to
write. Everything is generated here (seeded), in well under a second.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from satori import formats
from satori.data.fasta import write_fasta
from satori.data.labels import write_labels
from satori.models import ModelConfig, build, save
from satori.motifs.io import Motif, write_meme
from satori.schema import Evaluation as E, Metrics, PPISummary

ALL_STEPS = ("simulate", "train", "filter_motifs", "interpret_raw", "interpret_attr", "dfim", "evaluate", "implant",
             "hippie")
TFS = ["GATA1", "TAL1", "SP1", "CTCF"]
LENGTH = 40


def _pwm(rng, width=5):
    return rng.dirichlet([0.4] * 4, size=width)


def _tsv(path: Path, df: pd.DataFrame):
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep="\t", index=False)


def _json(path: Path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2))


def make_implant(d: Path) -> None:
    """implant.tsv and implant_curves.tsv of satori-implant (formats.IMPLANT_COLUMNS):
    GATA1-TAL1 confirmed (q < 0.05, cooperativity > 0), SP1-CTCF not (q 0.3), GATA1-SP1
    significant but negative (not confirmed), one control pair."""
    rows = [
        ("GATA1", "TAL1", 1e-4, "", "attention", 12, "+/+", 0.8, 0.5, 1.1, 1e-4, 4e-4),
        ("SP1", "CTCF", 0.01, "", "attention", 9, "+/-", 0.1, -0.2, 0.4, 0.2, 0.3),
        ("GATA1", "SP1", 0.03, "", "attention", 15, "-/+", -0.6, -0.9, -0.3, 1e-3, 0.004),
        ("TAL1", "CTCF", np.nan, "control", "control", 10, "+/+", 0.02, -0.1, 0.15, 0.6, 0.7),
    ]
    _tsv(d / formats.IMPLANT_TSV, pd.DataFrame({
        "tf1": [r[0] for r in rows], "tf2": [r[1] for r in rows], "cluster1": "", "cluster2": "",
        "motif1": "MA0000.1", "motif2": "MA0001.1", "attention_q": [r[2] for r in rows],
        "control": [r[3] == "control" for r in rows], "label": [r[4] for r in rows],
        "best_gap": [r[5] for r in rows], "best_orientation": [r[6] for r in rows],
        "cooperativity": [r[7] for r in rows], "ci_low": [r[8] for r in rows], "ci_high": [r[9] for r in rows],
        "p": [r[10] for r in rows], "q": [r[11] for r in rows], "marginal1": 0.3, "marginal2": 0.2,
        "n_backgrounds": 64})[formats.IMPLANT_COLUMNS])
    curves = []
    for tf1, tf2, *_ in rows:
        for orient in ("+/+", "+/-"):
            for gap in range(0, 21, 4):
                c = 0.8 * np.exp(-((gap - 12) / 5.0) ** 2) if (tf1, tf2) == ("GATA1", "TAL1") else 0.05
                c = c if orient == "+/+" else 0.4 * c
                curves.append({"tf1": tf1, "tf2": tf2, "orientation": orient, "gap": gap, "cooperativity": c,
                               "ci_low": c - 0.2, "ci_high": c + 0.2})
    _tsv(d / formats.IMPLANT_CURVES_TSV, pd.DataFrame(curves)[formats.IMPLANT_CURVES_COLUMNS])
    _json(d / formats.PARAMS_JSON, {"tool": "satori-implant", "satori_version": "0.1.0",
                                    "options": {"seed": 5, "n_backgrounds": 64}})


def make_run(root: Path, steps=ALL_STEPS, seed: int = 0, preset: str = "data-40", entropy_lambda: float = 0.0,
             n_targets: int = 879) -> Path:
    """Write a fake run under ``root`` with the outputs of ``steps``; returns ``root``."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    motifs = [Motif(f"MA000{i}.1", tf, _pwm(rng, 6), 20) for i, tf in enumerate(TFS)]

    if "simulate" in steps:
        sim = root / "simulate"
        n = 30
        ids = [f"seq{i}" for i in range(n)]
        seqs = ["".join(rng.choice(list("ACGT"), LENGTH)) for _ in range(n)]
        write_fasta(sim / formats.SEQUENCES_FA, ids, seqs)
        split = ["train"] * 14 + ["valid"] * 6 + ["test"] * 10
        label = [i % 2 for i in range(n)]
        write_labels(sim / formats.LABELS_TSV, pd.DataFrame({"id": ids, "split": split, "label": label}))
        _tsv(sim / formats.PAIRS_TSV, pd.DataFrame({"tf1": ["GATA1", "SP1"], "tf2": ["TAL1", "CTCF"],
                                                     "motif1": ["MA0000.1", "MA0002.1"], "motif2": ["MA0001.1", "MA0003.1"]}))
        write_meme(sim / formats.MOTIFS_MEME, motifs)
        _tsv(sim / formats.IMPLANTS_TSV, pd.DataFrame({
            "id": ["seq21", "seq21", "seq23"], "motif": ["MA0000.1", "MA0001.1", "MA0002.1"],
            "tf": ["GATA1", "TAL1", "SP1"], "start": [4, 16, 10], "end": [10, 22, 16], "strand": ["+", "-", "+"],
            "pair": [0, 0, -1]}))
        _json(sim / formats.PARAMS_JSON, {"preset": preset, "n_seqs": n, "length": LENGTH, "seed": seed,
                                          "satori_version": "0.1.0"})

    if "train" in steps:
        tr = root / "train"
        cfg = ModelConfig(length=LENGTH, n_labels=1, label_names=["label"], n_filters=4, filter_width=5, pool=2,
                          n_heads=2, head_dim=4, linear_units=8, dropout=0.0)
        import torch
        torch.manual_seed(seed)
        save(tr, build(cfg))
        epochs = np.arange(1, 6)
        _tsv(tr / formats.HISTORY_TSV, pd.DataFrame({
            "epoch": epochs, "train_loss": 0.7 / epochs, "train_entropy": 3.0 - 0.2 * epochs,
            "valid_loss": 0.75 / epochs + 0.02, "valid_auc": 0.5 + 0.08 * epochs, "seconds": 1.5}))
        _json(tr / formats.METRICS_JSON, {Metrics.AUC_ROC: {"label": 0.81}, Metrics.AUPRC: {"label": 0.77},
                                          Metrics.MEAN_AUC_ROC: 0.81, Metrics.MEAN_AUPRC: 0.77,
                                          Metrics.SPLIT_GENERATED: False, Metrics.SPLIT_SEED: None,
                                          "n": {"train": 80, "valid": 10, "test": 10}})
        _json(tr / formats.PARAMS_JSON, {"entropy_lambda": entropy_lambda, "max_epochs": 5, "seed": seed,
                                         "satori_version": "0.1.0"})

    if "filter_motifs" in steps:
        fm = root / "filter_motifs"
        write_meme(fm / formats.FILTERS_MEME, [Motif(f"filter{i}", f"filter{i}", _pwm(rng), 15) for i in range(4)])
        _tsv(fm / formats.FILTER_MOTIFS_TSV, pd.DataFrame({
            "filter": [0, 1, 2, 3], "n_sites": [25, 18, 30, 4], "ic": [6.1, 5.2, 7.3, 1.0],
            "motif_id": ["MA0000.1", "MA0001.1", "MA0002.1", ""], "tf": ["GATA1", "TAL1", "SP1", ""],
            "p": [1e-5, 2e-4, 3e-6, np.nan], "E": [1e-3, 2e-2, 3e-4, np.nan], "q": [1e-3, 1e-2, 2e-4, np.nan],
            "orientation": ["+", "-", "+", ""],
            "cluster_id": ["C001", "C002", "C003", ""],
            "cluster_name": ["GATA: GATA1/GATA2/GATA3/GATA4/GATA5/GATA6…", "bHLH: TAL1/TCF3/TCF4/TCF12/ASCL1…",
                             "KLF: KLF11/KLF16/KLF2/KLF6/KLF9/SP1/SP3/SP8/SP9…", ""],
            "cluster_tfs": ["GATA1,GATA2,GATA3", "TAL1,TCF3", "KLF11,SP1,SP3", ""]}))
        _json(fm / formats.PARAMS_JSON, {
            "tool": "satori-filter-motifs", "satori_version": "0.1.0",
            "options": {"act_threshold": 0.65, "seed": seed, "motif_db": None},
            "summary": {"motif_db": "JASPAR2024 CORE vertebrates", "n_targets": n_targets, "n_filters": 4}})

    tf_pairs = {
        "raw": [("GATA1", "TAL1", 1e-4), ("SP1", "CTCF", 0.01), ("GATA1", "SP1", 0.03), ("TAL1", "CTCF", 0.4)],
        "attr": [("GATA1", "TAL1", 3e-4), ("SP1", "CTCF", 0.2), ("TAL1", "SP1", 0.02)],
        "dfim": [("GATA1", "TAL1", 0.04), ("GATA1", "CTCF", 0.01)],
    }
    for step, method in (("interpret_raw", "raw"), ("interpret_attr", "attr"), ("dfim", "dfim")):
        if step not in steps:
            continue
        d = root / step
        rows = tf_pairs[method]
        _tsv(d / formats.TF_INTERACTIONS_TSV, pd.DataFrame({
            "tf1": [r[0] for r in rows], "tf2": [r[1] for r in rows], "q": [r[2] for r in rows],
            "p": [r[2] / 10 for r in rows], "n_filter_pairs": [1] * len(rows),
            "median_distance": rng.integers(8, 16, len(rows)), "method": method}))
        k = 6
        _tsv(d / formats.INTERACTIONS_TSV, pd.DataFrame({
            "filter_a": rng.integers(0, 4, k), "filter_b": rng.integers(0, 4, k),
            "motif_a": "MA0000.1", "tf_a": "GATA1", "motif_b": "MA0001.1", "tf_b": "TAL1",
            "n_fg": 5, "n_bg": 5, "median_fg": 0.3, "median_bg": 0.1, "distance": rng.integers(5, 30, k),
            "p": np.linspace(1e-5, 0.5, k), "q": np.linspace(1e-4, 0.6, k), "flag": "", "method": method}))
        _json(d / formats.PARAMS_JSON, {"tool": "satori-" + step.replace("_", "-"), "satori_version": "0.1.0",
                                        "options": {"q_threshold": 0.05, "seed": seed}})

    if "evaluate" in steps:
        for db, p in (("jaspar", 0.5), ("simulation", 0.67)):
            _json(root / "evaluate" / db / formats.EVALUATION_JSON, {
                # "method" is not satori-evaluate's (it writes E.METHODS); the report ignores it and
                # test_pipeline_report_staging pops it
                "method": "raw", E.METHODS: ["attn-raw"], E.DB_LABEL: db, E.INTERACTIONS: "interpret_raw/tf_interactions.tsv",
                E.Q_THRESHOLD: 0.05, E.PRECISION: p, E.RECALL: 1.0, E.F1: 2 * p / (p + 1),
                E.AVERAGE_PRECISION: p, E.N_TP: 2, E.N_FP: 1, E.N_FN: 0,
                E.TP: [["GATA1", "TAL1"], ["SP1", "CTCF"]], E.FP: [["GATA1", "SP1"]], E.FN: [],
                E.RANDOM_BASELINE: {"n_candidates": 6, "n_pairs": 3, "precision": 1 / 3, "recall": 0.5, "f1": 0.4},
                E.CLUSTER: {"precision": 0.75, "recall": 1.0, "f1": 0.857, "n_tp": 3, "n_fp": 1, "n_fn": 0,
                            "random_baseline": {"precision": 0.4, "recall": 0.6, "f1": 0.48}},
                E.PR_CURVE: [{"q": 1e-4, "precision": 1.0, "recall": 0.5},
                             {"q": 0.01, "precision": 1.0, "recall": 1.0},
                             {"q": 0.03, "precision": p, "recall": 1.0}]})

    if "implant" in steps:
        make_implant(root / "implant" / "raw")

    if "hippie" in steps:
        h = root / "hippie"
        _tsv(h / formats.PPI_MATCHES_TSV, pd.DataFrame({"tf1": ["GATA1"], "tf2": ["TAL1"], "q": [1e-4],
                                                         "ppi_score": [0.87], "evidence": ["pubmed:123"]}))
        _json(h / formats.PPI_SUMMARY_JSON, {PPISummary.PAIRS_TESTED: 3, PPISummary.PAIRS_MATCHED: 1,
                                             PPISummary.CHANCE: {PPISummary.EXPECTED_FRACTION: 0.1,
                                                                 "hypergeom_p": 0.04}})
    return root
