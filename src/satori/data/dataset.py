"""A labelled sequence set held in memory: FASTA + ``labels.tsv`` -> uint8 one-hot tensor.

``load_dataset`` reads both files, matches the ids, checks lengths and splits, and
returns a ``Dataset`` whose sequences are one uint8 tensor (n, 4, L) (4 bytes per
base), so training batches are built by indexing that tensor, never through a per-item
Python dataset.

When ``labels.tsv`` has no ``split`` column the sequences are split 80/10/10 at random
by ``assign_splits(n, seed)``; the same ids in the same order with the same seed give
the same split, so a later step can rebuild it: satori-train records its seed in
``metrics.json`` (``split_seed``) and the interpreters read the same ``labels.tsv``
through this same loader with that seed, so the "test" split they interpret is the one
train held out.
"""

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from satori import formats
from satori.data.fasta import read_fasta
from satori.data.labels import label_columns, read_labels
from satori.data.onehot import center_fit, one_hot
from satori.errors import InputError

PathLike = Union[str, os.PathLike]
log = logging.getLogger("satori")

SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
#: what an interpreter's --split may name: one split, or every sequence
SPLIT_CHOICES = ("test", "valid", "train", "all")


@dataclass
class Dataset:
    """Sequences, labels and splits of one labelled set.

    Attributes
    ----------
    ids: list of str, length n
        Sequence ids, in ``labels.tsv`` order.
    X: torch.Tensor, shape=(n, 4, L), dtype=uint8
        One-hot sequences (A, C, G, T; N = all zeros).
    y: torch.Tensor, shape=(n, n_labels), dtype=uint8
        0/1 labels, one column per label.
    label_names: list of str, length n_labels
    split: np.ndarray of str, shape=(n,)
        ``train``, ``valid`` or ``test`` for each sequence.
    split_generated: bool
        True when ``labels.tsv`` had no split column and the split was drawn by seed.
    """

    ids: List[str]
    X: torch.Tensor
    y: torch.Tensor
    label_names: List[str]
    split: np.ndarray
    split_generated: bool = False

    @property
    def length(self) -> int:
        return int(self.X.shape[-1])

    @property
    def n_labels(self) -> int:
        return int(self.y.shape[1])

    @property
    def multilabel(self) -> bool:
        return self.n_labels > 1

    def indices(self, split: str) -> torch.Tensor:
        """Row indices (int64, sorted) of one split."""
        return torch.from_numpy(np.flatnonzero(self.split == split))

    def subset(self, split: str) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(X, y)`` of one split: shapes (m, 4, L) uint8 and (m, n_labels) uint8."""
        idx = self.indices(split)
        return self.X[idx], self.y[idx]

    def split_sizes(self) -> dict:
        return {s: int((self.split == s).sum()) for s in formats.SPLITS}

    def fingerprint(self) -> str:
        """SHA-256 over ids, splits, labels and sequences (to check a resumed run's data)."""
        h = hashlib.sha256()
        h.update("\n".join(self.ids).encode())
        h.update(b"\0" + "\n".join(self.split.tolist()).encode())
        h.update(b"\0" + "\n".join(self.label_names).encode())
        h.update(self.y.numpy().tobytes())
        h.update(np.ascontiguousarray(self.X.numpy()).tobytes())
        return h.hexdigest()


def assign_splits(n: int, seed: int, fractions: Sequence[float] = SPLIT_FRACTIONS) -> np.ndarray:
    """A seeded random train/valid/test assignment of ``n`` items.

    The first ``round(f_train * n)`` items of a seeded permutation go to train, the
    next ``round(f_valid * n)`` to valid, the rest to test.
    Returns an array of str, shape=(n,).
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_train = int(round(fractions[0] * n))
    n_valid = int(round(fractions[1] * n))
    split = np.empty(n, dtype=object)
    split[order[:n_train]] = "train"
    split[order[n_train:n_train + n_valid]] = "valid"
    split[order[n_train + n_valid:]] = "test"
    return split.astype(str)


def _examples(items, k: int = 3) -> str:
    items = sorted(items)
    shown = ", ".join(repr(i) for i in items[:k])
    return shown + (", ..." if len(items) > k else "")


def load_dataset(
    fasta: PathLike,
    labels: PathLike,
    length: Optional[int] = None,
    seed: Optional[int] = 0,
    split: Optional[str] = None,
    expect_length: Optional[int] = None,
) -> Dataset:
    """Read FASTA + ``labels.tsv`` into a ``Dataset`` (training and the interpreters alike).

    Parameters
    ----------
    fasta: path
        FASTA (plain or gzip) with one record per labelled id.
    labels: path
        ``labels.tsv``: ``id``, optional ``split``, then one 0/1 column per label
        (one column = binary task, several = multi-label).
    length: int or None
        If given, every sequence is centre-cropped or padded with N to this length;
        otherwise all sequences must already have the same length.
    seed: int or None
        Seed of the 80/10/10 split drawn when ``labels.tsv`` has no split column
        (None: such a table is an error unless ``split`` is ``"all"``).
    split: str or None
        None (training): keep every sequence; each of train/valid/test must be
        non-empty. ``"train"``, ``"valid"`` or ``"test"``: keep only that split's
        sequences (it must be non-empty; the others may be). ``"all"``: keep every
        sequence, whatever the splits.
    expect_length: int or None
        The length a model expects: every sequence must have it (an interpreter's
        check that the sequences fit the model; not combined with ``length``).

    Raises
    ------
    InputError
        Unreadable files, ids that differ between the two files, labels other than
        0/1, sequences of different lengths without ``length`` (or not of
        ``expect_length``), an empty split.
    """
    fasta, labels = Path(fasta), Path(labels)
    if length is not None and length < 1:
        raise InputError(f"--length must be a positive number of bases (got {length})")
    if split is not None and split not in SPLIT_CHOICES:
        raise InputError(f"--split {split}: expected one of {', '.join(SPLIT_CHOICES)}")
    table = read_labels(labels, require_split=False)
    fa_ids, seqs = read_fasta(fasta)

    label_ids = table[formats.LABELS_ID].tolist()
    missing = set(label_ids) - set(fa_ids)
    extra = set(fa_ids) - set(label_ids)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} of {len(label_ids)} labelled ids have no FASTA record ({_examples(missing)})")
        if extra:
            parts.append(f"{len(extra)} of {len(fa_ids)} FASTA records have no label ({_examples(extra)})")
        raise InputError(f"{labels} and {fasta}: ids do not match: " + "; ".join(parts))

    by_id = dict(zip(fa_ids, seqs))
    seqs = [by_id[i] for i in label_ids]
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    if expect_length is not None:
        bad = np.flatnonzero(lengths != expect_length)
        if len(bad):
            raise InputError(
                f"{fasta}: sequences have length {lengths[bad[0]]} (e.g. '{label_ids[bad[0]]}') but the model in "
                f"--model expects {expect_length} bp (use sequences of the length the model was trained on)"
            )
    elif length is None:
        if lengths.min() != lengths.max():
            short = label_ids[int(lengths.argmin())]
            raise InputError(
                f"{fasta}: sequences have different lengths ({lengths.min()}..{lengths.max()} bases, "
                f"e.g. '{short}' has {lengths.min()}); pass --length N to centre-crop/pad them with N"
            )
    else:
        seqs = center_fit(seqs, length)

    names = label_columns(table)
    y = table[names].to_numpy(dtype=np.uint8)
    if formats.LABELS_SPLIT in table.columns:
        splits = table[formats.LABELS_SPLIT].to_numpy(dtype=str)
        generated = False
    elif seed is None and split != "all":
        raise InputError(
            f"{labels}: no '{formats.LABELS_SPLIT}' column, and the seed of the split the model was trained "
            f"with is not known (add a split column, or use --split all)"
        )
    else:
        splits = assign_splits(len(label_ids), 0 if seed is None else seed)
        generated = True
    sizes = {s: int((splits == s).sum()) for s in formats.SPLITS}
    where = f"the seeded 80/10/10 split of {labels}" if generated else f"{labels}"
    if split is None:
        empty = [s for s in formats.SPLITS if sizes[s] == 0]
        if empty:
            raise InputError(
                f"{where}: split '{empty[0]}' is empty (train {sizes['train']}, valid {sizes['valid']}, "
                f"test {sizes['test']}); every split needs at least one sequence"
            )
    elif split != "all" and sizes[split] == 0:
        raise InputError(f"{where}: no sequences in split '{split}' (use --split to choose another)")
    if generated and seed is not None:  # (seed None: --split all, the split is not used)
        log.info(
            "%s has no '%s' column: split the %d sequences 80/10/10 at random with seed %d "
            "(train %d, valid %d, test %d)",
            labels, formats.LABELS_SPLIT, len(label_ids), seed, sizes["train"], sizes["valid"], sizes["test"],
        )
    if split is not None and split != "all":  # one-hot only the rows kept
        keep = np.flatnonzero(splits == split)
        label_ids, seqs, y, splits = [label_ids[i] for i in keep], [seqs[i] for i in keep], y[keep], splits[keep]

    X = torch.from_numpy(one_hot(seqs))
    y = torch.from_numpy(np.array(y, copy=True))
    return Dataset(ids=label_ids, X=X, y=y, label_names=names, split=splits, split_generated=generated)
