"""Tiny labelled data sets for the training tests (random DNA, implanted motifs)."""

from pathlib import Path

import numpy as np
import pandas as pd

from satori.data.fasta import write_fasta
from satori.data.labels import write_labels

MOTIFS = ["TGACTCAGCA", "CACGTGAC", "GGGGCGGGGC"]

# a tiny architecture: trains in well under a second per epoch on one CPU thread
TINY_MODEL = ["--n-filters", "8", "--filter-width", "7", "--pool", "2", "--n-heads", "2",
              "--head-dim", "4", "--linear-units", "8", "--dropout", "0.1"]


def make_data(n=200, length=60, n_labels=1, seed=0, with_split=True):
    """Random sequences; label j is 1 exactly when motif j is implanted.

    Returns ``(ids, seqs, labels_frame)``.
    """
    rng = np.random.default_rng(seed)
    ids = [f"seq{i}" for i in range(n)]
    seqs, y = [], np.zeros((n, n_labels), dtype=np.uint8)
    for i in range(n):
        s = list(rng.choice(list("ACGT"), size=length))
        for j in range(n_labels):
            if rng.random() < 0.5:
                m = MOTIFS[j]
                start = int(rng.integers(0, length - len(m)))
                s[start:start + len(m)] = m
                y[i, j] = 1
        seqs.append("".join(s))
    frame = pd.DataFrame({"id": ids})
    if with_split:
        frame["split"] = np.array(["train"] * 6 + ["valid"] * 2 + ["test"] * 2)[np.arange(n) % 10]
    for j in range(n_labels):
        frame[f"y{j}"] = y[:, j]
    return ids, seqs, frame


def write_data(dirpath, n=200, length=60, n_labels=1, seed=0, with_split=True):
    """Write ``sequences.fa`` and ``labels.tsv`` into ``dirpath``; return their paths."""
    dirpath = Path(dirpath)
    dirpath.mkdir(parents=True, exist_ok=True)
    ids, seqs, frame = make_data(n, length, n_labels, seed, with_split)
    fa, lab = dirpath / "sequences.fa", dirpath / "labels.tsv"
    write_fasta(fa, ids, seqs)
    write_labels(lab, frame)
    return fa, lab
