"""Which sequences are interpreted: the foreground and the background.

- Binary task: foreground = sequences labelled positive and predicted positive
  (probability > ``pred_threshold``); background ``negatives`` = sequences labelled
  negative and predicted negative.
- Multi-label task: foreground = sequences with at least one correctly predicted
  positive label; background ``shuffle`` = one dinucleotide-shuffled copy of each
  foreground sequence (tangermeme's ``dinucleotide_shuffle``, seeded), or
  ``negatives`` = sequences with no positive label and no label predicted positive.
- ``auto`` = negatives for binary tasks, shuffle for multi-label ones (the paper).

Each set is capped at ``max_seqs`` by a seeded sample without replacement (order
kept). ``satori-filter-motifs`` builds its PWMs from the same foreground with the
same seed, so its sites are exactly the hits ``satori-interpret-raw`` sees.
"""

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np
import torch

from satori import formats
from satori.batching import predict
from satori.data.fasta import read_fasta
from satori.data.labels import label_columns, read_labels
from satori.data.onehot import one_hot
from satori.errors import InputError
from satori.interpret.hits import capture_conv

BACKGROUNDS = ("auto", "negatives", "shuffle")
SPLIT_CHOICES = ("test", "valid", "train", "all")


@dataclass
class Dataset:
    """Sequences of one split with their labels.

    ids: list of str, length n. X: np.ndarray uint8, shape=(n, 4, L).
    Y: np.ndarray uint8, shape=(n, n_labels). label_names: list of str.
    """

    ids: List[str]
    X: np.ndarray
    Y: np.ndarray
    label_names: List[str]


def load_dataset(fasta, labels, split: str, length: int, n_labels: int) -> Dataset:
    """Read ``--fasta`` and ``--labels``, keep ``split`` (or ``all``), check them against the model.

    Parameters
    ----------
    fasta, labels: path
        FASTA file and ``labels.tsv``; every id of the split must be in the FASTA.
    split: str
        ``test``, ``valid``, ``train`` or ``all``.
    length: int
        Sequence length the model expects (``config.length``).
    n_labels: int
        Number of outputs of the model (``config.n_labels``).

    Raises ``InputError`` for missing ids, a length or label-count mismatch, or an
    empty split.
    """
    if split not in SPLIT_CHOICES:
        raise InputError(f"--split {split}: expected one of {', '.join(SPLIT_CHOICES)}")

    table = read_labels(labels, require_split=split != "all")
    names = label_columns(table)
    if len(names) != n_labels:
        raise InputError(
            f"{labels}: {len(names)} label column(s) but the model in --model has {n_labels} output(s)"
        )
    if split != "all":
        table = table[table[formats.LABELS_SPLIT] == split]
        if table.empty:
            raise InputError(f"{labels}: no sequences in split '{split}' (use --split to choose another)")
    ids, seqs = read_fasta(fasta)
    by_id = dict(zip(ids, seqs))
    wanted = table[formats.LABELS_ID].tolist()
    missing = [i for i in wanted if i not in by_id]
    if missing:
        raise InputError(f"{fasta}: {len(missing)} id(s) of {labels} are not in the FASTA, e.g. '{missing[0]}'")
    chosen = [by_id[i] for i in wanted]
    bad = {len(s) for s in chosen} - {length}
    if bad:
        raise InputError(
            f"{fasta}: sequences have length {sorted(bad)[0]} but the model in --model expects {length} bp "
            "(use sequences of the length the model was trained on)"
        )
    X = one_hot(chosen, length=length)
    Y = table[names].to_numpy(dtype=np.uint8)
    return Dataset(wanted, X, Y, names)


def scan(model, X, batch_size: int = 128, device="cpu", verbose: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
    """One forward pass: logits and each sequence's maximum activation per filter.

    X: np.ndarray or torch.Tensor, shape=(n, 4, L), one-hot (uint8).
    Returns ``(logits, conv_max)``: logits shape=(n, n_labels) float32,
    conv_max shape=(n, F) float32 (max over conv positions, after ReLU).
    Raises ``InputError`` when the model produces non-finite values.
    """

    def func(m, xb):
        with capture_conv(m) as store:
            logits = m(xb)
        conv_max = store["conv"].amax(dim=-1)
        if not (torch.isfinite(logits).all() and torch.isfinite(conv_max).all()):
            raise InputError("the model in --model produces NaN or infinite outputs; it cannot be interpreted")
        return logits.float(), conv_max.float()

    n_filters = model.config.n_filters
    if len(X) == 0:
        return torch.zeros(0, model.config.n_labels), torch.zeros(0, n_filters)
    return predict(model, X, batch_size, device, func=func, verbose=verbose, desc="predict")


def foreground_mask(Y: np.ndarray, probs: np.ndarray, pred_threshold: float = 0.5) -> np.ndarray:
    """Sequences with at least one label that is positive and predicted positive.

    Y: shape=(n, n_labels) 0/1. probs: shape=(n, n_labels) probabilities.
    For one label this is "positive and predicted positive". Returns bool (n,).
    """
    predicted = probs > pred_threshold
    return ((Y == 1) & predicted).any(axis=1)


def negative_mask(Y: np.ndarray, probs: np.ndarray, pred_threshold: float = 0.5) -> np.ndarray:
    """Sequences with no positive label and no label predicted positive. Returns bool (n,)."""
    return ((Y == 0) & (probs <= pred_threshold)).all(axis=1)


def sample_indices(mask: np.ndarray, max_seqs: int, seed: int, stream: int) -> np.ndarray:
    """Indices where ``mask`` is True, at most ``max_seqs`` of them (seeded sample, sorted).

    ``max_seqs`` <= 0 keeps all. ``stream`` separates the foreground and background
    draws so capping one does not change the other.
    """
    idx = np.flatnonzero(mask)
    if max_seqs > 0 and len(idx) > max_seqs:
        rng = np.random.default_rng([seed, stream])
        idx = np.sort(rng.choice(idx, size=max_seqs, replace=False))
    return idx


def resolve_background(background: str, n_labels: int) -> str:
    """``auto`` -> ``negatives`` (binary) or ``shuffle`` (multi-label)."""
    if background not in BACKGROUNDS:
        raise InputError(f"--background {background}: expected one of {', '.join(BACKGROUNDS)}")
    if background == "auto":
        return "negatives" if n_labels == 1 else "shuffle"
    return background


def dinucleotide_shuffled(X: np.ndarray, seed: int) -> np.ndarray:
    """One dinucleotide-shuffled copy of each sequence (tangermeme), seeded.

    X: np.ndarray uint8, shape=(n, 4, L). Returns np.ndarray uint8, same shape.
    Sequence i is shuffled with seed ``seed + i``; N (all-zero columns) are kept as
    their own character.
    """
    if len(X) == 0:
        return X.copy()
    from tangermeme.ersatz import dinucleotide_shuffle

    shuffled = dinucleotide_shuffle(torch.from_numpy(np.ascontiguousarray(X)), n=1, random_state=int(seed), allow_N=True)
    return shuffled[:, 0].numpy().astype(np.uint8)


def choose_foreground(Y: np.ndarray, probs: np.ndarray, pred_threshold: float, max_seqs: int, seed: int) -> np.ndarray:
    """Indices of the foreground (see module docstring), capped and seeded."""
    return sample_indices(foreground_mask(Y, probs, pred_threshold), max_seqs, seed, stream=0)


def choose_negatives(Y: np.ndarray, probs: np.ndarray, pred_threshold: float, max_seqs: int, seed: int) -> np.ndarray:
    """Indices of the negative background (see module docstring), capped and seeded."""
    return sample_indices(negative_mask(Y, probs, pred_threshold), max_seqs, seed, stream=1)


def check_threshold(pred_threshold: float) -> None:
    if not 0.0 < pred_threshold < 1.0:
        raise InputError(f"--pred-threshold {pred_threshold}: must be strictly between 0 and 1")


def sigmoid(logits: torch.Tensor) -> np.ndarray:
    """Probabilities from logits, as float64 numpy (n, n_labels)."""
    return torch.sigmoid(logits.double()).numpy()

