"""Tiny models and data sets with planted motifs, shared by the interpretation tests.

A model whose filter 0 is the motif MOTIF0 and filter 1 MOTIF1 (weights 1 on the
motif's bases, bias 1 - width: activation 1 on an exact match, 0 elsewhere; an
exact match is the only k-mer above 0.65 x max), filters >= 2 dead, and a single
attention head in which a position holding filter 0 attends to positions holding
filter 1.
"""

import numpy as np
import torch

from satori.data.fasta import write_fasta
from satori.data.labels import write_labels
from satori.models import ModelConfig, build

MOTIF0 = "GATTAC"
MOTIF1 = "CCGGTA"
BASES = "ACGT"


def planted_model(length=60, n_filters=6, pool=2, heads=1, gain=4.0):
    torch.manual_seed(0)
    cfg = ModelConfig(length=length, n_labels=1, n_filters=n_filters, filter_width=len(MOTIF0), pool=pool,
                      n_heads=heads, head_dim=1, linear_units=4, dropout=0.0)
    model = build(cfg).eval()
    with torch.no_grad():
        conv = model.conv[0]
        conv.weight.zero_()
        conv.bias.fill_(-1.0)  # dead filters
        for f, motif in enumerate((MOTIF0, MOTIF1)):
            for w, base in enumerate(motif):
                conv.weight[f, BASES.index(base), w] = 1.0
            conv.bias[f] = 1.0 - len(motif)
        att = model.attention
        for lin in (att.query, att.key, att.value):
            lin.weight.zero_()
            lin.bias.zero_()
        att.query.weight[:, 0] = gain  # query from filter 0
        att.key.weight[:, 1] = gain  # key from filter 1
        att.value.weight[:, 0] = 1.0
    return model


def random_seq(rng, length):
    return "".join(rng.choice(list(BASES), size=length))


def plant(seq, motif, pos):
    return seq[:pos] + motif + seq[pos + len(motif):]


def planted_dataset(n_pos=120, n_neg=120, length=60, seed=0):
    """Positives carry MOTIF0 and MOTIF1; negatives carry one of them. Returns (ids, seqs, planted)."""
    rng = np.random.default_rng(seed)
    ids, seqs, planted = [], [], []
    for i in range(n_pos + n_neg):
        s = random_seq(rng, length)
        if i < n_pos:
            p0 = int(rng.integers(0, length // 2 - 6))
            p1 = int(rng.integers(length // 2, length - 6))
            s = plant(plant(s, MOTIF0, p0), MOTIF1, p1)
        else:
            motif = MOTIF0 if i % 2 else MOTIF1
            s = plant(s, motif, int(rng.integers(0, length - 6)))
        ids.append(f"s{i}")
        seqs.append(s)
        planted.append(i < n_pos)
    return ids, seqs, np.array(planted)


def write_dataset(tmp_path, ids, seqs, labels, split="test"):
    import pandas as pd

    fasta = tmp_path / "seqs.fa.gz"
    write_fasta(fasta, ids, seqs)
    df = pd.DataFrame({"id": ids, "split": split, "y": np.asarray(labels, dtype=np.uint8)})
    write_labels(tmp_path / "labels.tsv", df)
    return fasta, tmp_path / "labels.tsv"


def centre_readout(model, X):
    """Set the output bias so that about half of ``X`` is predicted positive."""
    with torch.no_grad():
        logits = model(torch.as_tensor(X).float())[:, 0]
        model.readout[-1].bias -= logits.median()
    return model
