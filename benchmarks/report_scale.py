"""Time and size of satori-report on a paper-scale fake run.

Builds a run with the paper's simulated-data dimensions (60 000 sequences of 300 bp,
an untrained default model: 200 filters of width 13, 4 heads; 200 annotated/unannotated
filters; three methods with their interactions over 40 TFs; evaluations in two database
modes), runs ``satori-report --run`` on it and prints the wall time, the size of
report.html (target < 10 MB) and the number of figures.

    python benchmarks/report_scale.py                       # paper scale
    python benchmarks/report_scale.py --n-seqs 3000 --n-filters 40 --max-filters 20   # a quick check
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from satori import formats  # noqa: E402
from satori.data.fasta import write_fasta  # noqa: E402
from satori.data.labels import write_labels  # noqa: E402
from satori.models import ModelConfig, build, save  # noqa: E402
from satori.motifs.io import Motif, write_meme  # noqa: E402


def make_paper_run(root: Path, n_seqs: int, n_filters: int, n_tfs: int = 40, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    length = 300
    sim, tr, fm = root / "simulate", root / "train", root / "filter_motifs"
    ids = [f"seq{i}" for i in range(n_seqs)]
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    codes = letters[rng.integers(0, 4, size=(n_seqs, length))]
    seqs = [row.tobytes().decode() for row in codes]
    write_fasta(sim / formats.SEQUENCES_FA, ids, seqs)
    split = rng.choice(["train", "valid", "test"], n_seqs, p=[0.8, 0.1, 0.1])
    write_labels(sim / formats.LABELS_TSV, pd.DataFrame({"id": ids, "split": split, "label": rng.integers(0, 2, n_seqs)}))
    tfs = [f"TF{i}" for i in range(n_tfs)]
    motifs = [Motif(f"MA{i:04d}.1", tf, rng.dirichlet([0.3] * 4, size=int(rng.integers(8, 16))), 50) for i, tf in enumerate(tfs)]
    write_meme(sim / formats.MOTIFS_MEME, motifs)
    pairs = [tuple(rng.choice(n_tfs, 2, replace=False)) for _ in range(n_tfs)]
    pd.DataFrame({"tf1": [tfs[a] for a, b in pairs], "tf2": [tfs[b] for a, b in pairs],
                  "motif1": [motifs[a].id for a, b in pairs], "motif2": [motifs[b].id for a, b in pairs]}
                 ).to_csv(sim / formats.PAIRS_TSV, sep="\t", index=False)
    test_ids = [i for i, s in zip(ids, split) if s == "test"]
    n_imp = min(len(test_ids), 2000) * 6
    pd.DataFrame({"id": rng.choice(test_ids, n_imp), "motif": "MA0000.1", "tf": rng.choice(tfs, n_imp),
                  "start": rng.integers(0, 280, n_imp), "end": 0, "strand": "+", "pair": 0}
                 ).to_csv(sim / formats.IMPLANTS_TSV, sep="\t", index=False)
    (sim / formats.PARAMS_JSON).write_text(json.dumps({"preset": "data-40", "seed": seed}))

    save(tr, build(ModelConfig(n_filters=n_filters)))
    ep = np.arange(1, 31)
    pd.DataFrame({"epoch": ep, "train_loss": 0.7 / ep ** 0.3, "train_entropy": 4 - 0.1 * ep, "valid_loss": 0.72 / ep ** 0.3,
                  "valid_auc": 0.9 - 0.4 / ep, "seconds": 30.0}).to_csv(tr / formats.HISTORY_TSV, sep="\t", index=False)
    (tr / formats.METRICS_JSON).write_text(json.dumps({"mean_auroc": 0.9, "mean_auprc": 0.88}))
    (tr / formats.PARAMS_JSON).write_text(json.dumps({"entropy_lambda": 0.01, "seed": seed}))

    write_meme(fm / formats.FILTERS_MEME, [Motif(f"filter{i}", f"filter{i}", rng.dirichlet([0.4] * 4, size=13), 100)
                                           for i in range(n_filters)])
    annotated = rng.random(n_filters) < 0.6
    m = rng.integers(0, n_tfs, n_filters)
    q = np.where(annotated, 10 ** rng.uniform(-8, -1.4, n_filters), np.nan)
    pd.DataFrame({"filter": np.arange(n_filters), "n_sites": rng.integers(5, 900, n_filters), "ic": rng.uniform(4, 14, n_filters),
                  "motif_id": np.where(annotated, [motifs[i].id for i in m], ""), "tf": np.where(annotated, [tfs[i] for i in m], ""),
                  "p": q / 100, "E": q * 10, "q": q, "orientation": np.where(annotated, rng.choice(["+", "-"], n_filters), "")}
                 ).to_csv(fm / formats.FILTER_MOTIFS_TSV, sep="\t", index=False)

    all_pairs = [(a, b) for a in range(n_tfs) for b in range(a + 1, n_tfs)]
    fa, fb = np.triu_indices(n_filters, 1)
    for step, method in (("interpret_raw", "raw"), ("interpret_attr", "attr"), ("dfim", "dfim")):
        d = root / step
        d.mkdir(parents=True, exist_ok=True)
        qs = 10 ** rng.uniform(-9, 0, len(all_pairs))
        pd.DataFrame({"tf1": [tfs[a] for a, b in all_pairs], "tf2": [tfs[b] for a, b in all_pairs], "q": qs, "p": qs / 10,
                      "n_filter_pairs": rng.integers(1, 6, len(all_pairs)), "median_distance": rng.integers(8, 80, len(all_pairs)),
                      "method": method}).to_csv(d / formats.TF_INTERACTIONS_TSV, sep="\t", index=False)
        qf = 10 ** rng.uniform(-9, 0, len(fa))
        pd.DataFrame({"filter_a": fa, "filter_b": fb, "motif_a": "", "tf_a": "", "motif_b": "", "tf_b": "",
                      "n_fg": 100, "n_bg": 100, "median_fg": 0.2, "median_bg": 0.1, "distance": rng.integers(4, 200, len(fa)),
                      "p": qf / 10, "q": qf, "flag": "", "method": method}).to_csv(d / formats.INTERACTIONS_TSV, sep="\t", index=False)
    for db in ("jaspar", "simulation"):
        e = root / "evaluate" / db
        e.mkdir(parents=True, exist_ok=True)
        (e / formats.EVALUATION_JSON).write_text(json.dumps({"method": "raw", "db_label": db, "precision": 0.6, "recall": 0.7,
                                                             "f1": 0.646, "tp": [], "fp": [], "fn": []}))
    return root


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-seqs", type=int, default=60000)
    ap.add_argument("--n-filters", type=int, default=200)
    ap.add_argument("--max-filters", type=int, default=100)
    ap.add_argument("--max-seqs", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workdir", default=None, help="keep the run and report here (default: a temporary directory)")
    args = ap.parse_args()
    from satori.cli.report import main as report_main

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.workdir or tmp)
        t = time.time()
        run = make_paper_run(root / "run", args.n_seqs, args.n_filters)
        print(f"fake run: {args.n_seqs} sequences, {args.n_filters} filters, built in {time.time() - t:.1f} s")
        t = time.time()
        status = report_main(["--run", str(run), "--outdir", str(root / "report"), "--device", "cpu",
                              "--threads", str(args.threads), "--max-filters", str(args.max_filters),
                              "--max-seqs", str(args.max_seqs), "--log-level", "WARNING"])
        wall = time.time() - t
        html = root / "report" / formats.REPORT_HTML
        figs = list((root / "report" / "figures").rglob("*.png"))
        print(f"satori-report: exit {status}, {wall:.1f} s wall, report.html {html.stat().st_size / 1e6:.2f} MB "
              f"(target < 10 MB), {len(figs)} figures, figures/ {sum(p.stat().st_size for p in (root / 'report' / 'figures').rglob('*')) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
