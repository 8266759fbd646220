"""Shared setup of the interpretation benchmarks: a random-weight model and random data.

The labels are the model's own predictions (after centring the output bias on the
median logit), so every sequence passes the selection: half foreground (labelled and
predicted positive), half background (labelled and predicted negative).
"""

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from satori.batching import predict  # noqa: E402
from satori.data.fasta import write_fasta  # noqa: E402
from satori.data.labels import write_labels  # noqa: E402
from satori.data.onehot import one_hot  # noqa: E402
from satori.models import ModelConfig, build, save  # noqa: E402


def make_workdir(workdir, n_fg, n_bg, length, n_filters, pool, seed=0, batch_size=256):
    """Write model/, seqs.fa.gz, labels.tsv and filter_motifs.tsv into ``workdir``; return the one-hot X and model."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n = n_fg + n_bg
    codes = rng.integers(0, 4, size=(n, length))
    seqs = ["".join("ACGT"[c] for c in row) for row in codes]
    X = one_hot(seqs)
    model = build(ModelConfig(length=length, n_filters=n_filters, pool=pool)).eval()
    logits = predict(model, X, batch_size)[:, 0]
    with torch.no_grad():
        # centre so that exactly n_fg sequences have logit > 0
        cut = torch.sort(logits).values[n_bg - 1:n_bg + 1].mean()
        model.readout[-1].bias -= cut
    labels = (logits - cut > 0).numpy().astype(np.uint8)
    ids = [f"s{i}" for i in range(n)]
    save(workdir / "model", model)
    write_fasta(workdir / "seqs.fa.gz", ids, seqs)
    write_labels(workdir / "labels.tsv", pd.DataFrame({"id": ids, "split": "test", "y": labels}))
    # half the filters annotated with 50 fake TF names, the others unannotated
    fm = pd.DataFrame({
        "filter": [f"filter{f}" for f in range(n_filters)],
        "n_sites": 100, "ic": 10.0,
        "motif_id": [f"M{f % 50}" if f % 2 == 0 else "" for f in range(n_filters)],
        "tf": [f"TF{f % 50}" if f % 2 == 0 else "" for f in range(n_filters)],
        "p": "", "E": "", "q": "", "orientation": "",
    })
    fm.to_csv(workdir / "filter_motifs.tsv", sep="\t", index=False)
    return X, model, int(labels.sum())


def set_threads(threads):
    if threads > 0:
        torch.set_num_threads(threads)
        os.environ["OMP_NUM_THREADS"] = str(threads)
