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
    with pytest.raises(InputError, match="labelled ids have no FASTA record"):  # train's wording
        select.load_dataset(tmp_path / "few.fa", labels, "test", 60, 1)


def _write_metrics(model_dir, **keys):
    import json

    from satori import formats

    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / formats.METRICS_JSON).write_text(json.dumps(keys))
    return model_dir


def test_labels_without_split_use_trains_split(tmp_path):
    """A labels.tsv without a split column: the interpreters take the test split train
    drew (its seed from the model's metrics.json), through train's own loader."""
    import pandas as pd

    from satori.data.dataset import load_dataset
    from satori.data.labels import write_labels
    from satori.schema import Metrics

    ids, seqs, planted = planted_dataset(n_pos=30, n_neg=30)
    fasta, labels = write_dataset(tmp_path, ids, seqs, planted)
    write_labels(labels, pd.DataFrame({"id": ids, "y": np.asarray(planted, dtype=np.uint8)}))  # no split column
    model = _write_metrics(tmp_path / "model", **{Metrics.SPLIT_SEED: 7, Metrics.SPLIT_GENERATED: True})
    trained = select.train_data(model)
    assert trained.split_seed == 7 and trained.fit_length is None

    as_train = load_dataset(fasta, labels, seed=7)  # what satori-train --seed 7 holds out
    want = [as_train.ids[i] for i in as_train.indices("test").tolist()]
    got = select.load_dataset(fasta, labels, "test", 60, 1, trained)
    assert got.ids == want and 0 < len(want) < len(ids)
    np.testing.assert_array_equal(got.X, as_train.subset("test")[0].numpy())
    other = select.load_dataset(fasta, labels, "test", 60, 1, select.TrainData(split_seed=8))
    assert other.ids != want  # the seed matters: it is train's, not any seed
    assert len(select.load_dataset(fasta, labels, "all", 60, 1).ids) == len(ids)
    with pytest.raises(InputError, match="no 'split' column"):  # no recorded seed: say so
        select.load_dataset(fasta, labels, "test", 60, 1, select.train_data(tmp_path / "elsewhere"))


def test_trains_length_fit_is_reused(tmp_path):
    """A model trained with --length: the interpreters centre-fit the sequences the same way."""
    from satori.data.dataset import load_dataset
    from satori.schema import Metrics

    ids, seqs, planted = planted_dataset(n_pos=4, n_neg=4)
    seqs[0] = seqs[0][:50]
    fasta, labels = write_dataset(tmp_path, ids, seqs, planted)
    with pytest.raises(InputError, match="expects 40 bp"):
        select.load_dataset(fasta, labels, "test", 40, 1)
    trained = select.train_data(_write_metrics(tmp_path / "model", **{Metrics.FIT_LENGTH: 40}))
    got = select.load_dataset(fasta, labels, "test", 40, 1, trained)
    np.testing.assert_array_equal(got.X, load_dataset(fasta, labels, length=40, split="test").X.numpy())
