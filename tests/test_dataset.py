import logging

import numpy as np
import pytest
import torch

from satori.data.dataset import assign_splits, load_dataset
from satori.data.fasta import write_fasta
from satori.data.labels import write_labels
from satori.data.onehot import one_hot
from satori.errors import InputError
from train_helpers import make_data, write_data


def test_load_matches_ids_in_label_order(tmp_path):
    ids, seqs, frame = make_data(n=30, length=20, n_labels=2)
    # FASTA in reverse order: the dataset must follow labels.tsv
    write_fasta(tmp_path / "s.fa.gz", ids[::-1], seqs[::-1])
    write_labels(tmp_path / "labels.tsv", frame)
    data = load_dataset(tmp_path / "s.fa.gz", tmp_path / "labels.tsv")
    assert data.ids == ids
    assert data.X.dtype == torch.uint8 and data.X.shape == (30, 4, 20)
    assert np.array_equal(data.X.numpy(), one_hot(seqs))
    assert data.y.dtype == torch.uint8 and data.y.shape == (30, 2)
    assert np.array_equal(data.y.numpy(), frame[["y0", "y1"]].to_numpy())
    assert data.label_names == ["y0", "y1"] and data.multilabel
    assert not data.split_generated
    X_test, y_test = data.subset("test")
    test_rows = np.flatnonzero(frame["split"].to_numpy() == "test")
    assert torch.equal(X_test, data.X[test_rows]) and torch.equal(y_test, data.y[test_rows])
    assert sum(data.split_sizes().values()) == 30


def test_binary_is_one_label(tmp_path):
    fa, lab = write_data(tmp_path, n=20, length=20, n_labels=1)
    data = load_dataset(fa, lab)
    assert data.n_labels == 1 and not data.multilabel


def test_mismatched_ids_listed_with_counts(tmp_path):
    ids, seqs, frame = make_data(n=20, length=20)
    write_fasta(tmp_path / "s.fa", ids[:15] + ["extraA", "extraB"], seqs[:17])
    write_labels(tmp_path / "labels.tsv", frame)
    with pytest.raises(InputError) as exc:
        load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv")
    msg = str(exc.value)
    assert "5 of 20 labelled ids have no FASTA record" in msg and "'seq15'" in msg
    assert "2 of 17 FASTA records have no label" in msg and "'extraA'" in msg
    assert "\n" not in msg


def test_non_binary_label_rejected(tmp_path):
    ids, seqs, frame = make_data(n=20, length=20)
    frame["y0"] = frame["y0"].astype(int)
    frame.loc[3, "y0"] = 2
    write_fasta(tmp_path / "s.fa", ids, seqs)
    write_labels(tmp_path / "labels.tsv", frame)
    with pytest.raises(InputError, match="must hold 0/1"):
        load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv")


def test_missing_split_column_is_seeded_80_10_10(tmp_path, caplog):
    fa, lab = write_data(tmp_path, n=50, length=20, with_split=False)
    with caplog.at_level(logging.INFO, logger="satori"):
        a = load_dataset(fa, lab, seed=3)
    assert a.split_generated
    assert a.split_sizes() == {"train": 40, "valid": 5, "test": 5}
    assert "no 'split' column" in caplog.text and "80/10/10" in caplog.text and "seed 3" in caplog.text
    b = load_dataset(fa, lab, seed=3)
    c = load_dataset(fa, lab, seed=4)
    assert np.array_equal(a.split, b.split)
    assert not np.array_equal(a.split, c.split)
    assert np.array_equal(a.split, assign_splits(50, 3))


def test_assign_splits_sizes():
    for n in (10, 11, 99, 1000):
        s = assign_splits(n, 0)
        assert len(s) == n
        assert (s == "train").sum() == round(0.8 * n) and (s == "valid").sum() == round(0.1 * n)


def test_empty_split_rejected(tmp_path):
    ids, seqs, frame = make_data(n=20, length=20)
    frame["split"] = ["train"] * 15 + ["test"] * 5
    write_fasta(tmp_path / "s.fa", ids, seqs)
    write_labels(tmp_path / "labels.tsv", frame)
    with pytest.raises(InputError, match="split 'valid' is empty"):
        load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv")
    # too few sequences for a seeded split: also an empty split
    fa, lab = write_data(tmp_path / "few", n=4, length=20, with_split=False)
    with pytest.raises(InputError, match="is empty"):
        load_dataset(fa, lab)


def test_unequal_lengths_need_length(tmp_path):
    ids, seqs, frame = make_data(n=10, length=20)
    seqs[2] = seqs[2][:15]
    seqs[5] = seqs[5] + "ACGTACGT"
    write_fasta(tmp_path / "s.fa", ids, seqs)
    write_labels(tmp_path / "labels.tsv", frame)
    with pytest.raises(InputError, match="different lengths.*--length"):
        load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv")
    data = load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv", length=18)
    assert data.X.shape == (10, 4, 18)
    # the short sequence (15 bp) is padded with N: all-zero columns at both ends
    col_sums = data.X[2].sum(0)
    assert col_sums[0] == 0 and col_sums[-1] == 0 and col_sums.sum() == 15
    with pytest.raises(InputError, match="--length"):
        load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv", length=0)


def test_fingerprint_sees_labels_and_splits(tmp_path):
    ids, seqs, frame = make_data(n=20, length=20)
    write_fasta(tmp_path / "s.fa", ids, seqs)
    write_labels(tmp_path / "labels.tsv", frame)
    base = load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv").fingerprint()
    assert base == load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv").fingerprint()
    flipped = frame.copy()
    flipped.loc[0, "y0"] = 1 - flipped.loc[0, "y0"]
    write_labels(tmp_path / "labels.tsv", flipped)
    assert load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv").fingerprint() != base
    moved = frame.copy()
    moved.loc[0, "split"] = "valid" if moved.loc[0, "split"] != "valid" else "train"
    write_labels(tmp_path / "labels.tsv", moved)
    assert load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv").fingerprint() != base
