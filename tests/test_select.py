import numpy as np
import pytest

from _interp_data import planted_dataset, write_dataset
from satori.errors import InputError
from satori.interpret import select


def test_foreground_and_negatives_binary_and_multilabel():
    Y = np.array([[1], [1], [0], [0]])
    probs = np.array([[0.9], [0.2], [0.1], [0.7]])
    assert select.foreground_mask(Y, probs, 0.5).tolist() == [True, False, False, False]
    assert select.negative_mask(Y, probs, 0.5).tolist() == [False, False, True, False]
    Y = np.array([[1, 0], [0, 1], [0, 0], [1, 1]])
    probs = np.array([[0.2, 0.9], [0.3, 0.8], [0.1, 0.2], [0.1, 0.1]])
    assert select.foreground_mask(Y, probs, 0.5).tolist() == [False, True, False, False]
    assert select.negative_mask(Y, probs, 0.5).tolist() == [False, False, True, False]
    assert select.resolve_background("auto", 1) == "negatives"
    assert select.resolve_background("auto", 3) == "shuffle"
    with pytest.raises(InputError):
        select.resolve_background("random", 1)


def test_sample_is_seeded_capped_and_sorted():
    mask = np.ones(100, bool)
    a = select.sample_indices(mask, 10, seed=3, stream=0)
    assert len(a) == 10 and (np.diff(a) > 0).all()
    assert (a == select.sample_indices(mask, 10, seed=3, stream=0)).all()
    assert not (a == select.sample_indices(mask, 10, seed=3, stream=1)).all()
    assert len(select.sample_indices(mask, 0, seed=3, stream=0)) == 100


def test_dinucleotide_shuffle_keeps_composition():
    from satori.data.onehot import one_hot

    X = one_hot(["ACGTTGCAACGTNNAC", "AAAACCCCGGGGTTTT"])
    S = select.dinucleotide_shuffled(X, seed=1)
    assert S.shape == X.shape and S.dtype == np.uint8
    np.testing.assert_array_equal(S.sum(axis=2), X.sum(axis=2))
    np.testing.assert_array_equal(S, select.dinucleotide_shuffled(X, seed=1))
    assert not np.array_equal(S, X)


def test_load_dataset_checks(tmp_path):
    ids, seqs, planted = planted_dataset(n_pos=4, n_neg=4)
    fasta, labels = write_dataset(tmp_path, ids, seqs, planted)
    data = select.load_dataset(fasta, labels, "test", 60, 1)
    assert data.X.shape == (8, 4, 60) and data.Y.shape == (8, 1) and data.ids == ids
    with pytest.raises(InputError, match="expects 80 bp"):
        select.load_dataset(fasta, labels, "test", 80, 1)
    with pytest.raises(InputError, match="label column"):
        select.load_dataset(fasta, labels, "test", 60, 2)
    with pytest.raises(InputError, match="no sequences in split 'valid'"):
        select.load_dataset(fasta, labels, "valid", 60, 1)
    from satori.data.fasta import write_fasta

    write_fasta(tmp_path / "few.fa", ids[:3], seqs[:3])
    with pytest.raises(InputError, match="not in the FASTA"):
        select.load_dataset(tmp_path / "few.fa", labels, "test", 60, 1)
