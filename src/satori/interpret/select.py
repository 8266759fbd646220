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

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from satori import formats
from satori.batching import predict
from satori.data import dataset
from satori.errors import InputError
from satori.interpret.hits import capture_conv
from satori.memory import release_free_memory
from satori.schema import Metrics

log = logging.getLogger("satori")

BACKGROUNDS = ("auto", "negatives", "shuffle")
SPLIT_CHOICES = dataset.SPLIT_CHOICES


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


@dataclass
class TrainData:
    """How satori-train read its data (from the model's ``metrics.json``): the seed of
    the split it drew (None: labels.tsv had a split column) and its --length (None: the
    sequences had the model's length)."""

    split_seed: Optional[int] = None
    fit_length: Optional[int] = None


def train_data(model_dir) -> TrainData:
    """The ``TrainData`` recorded in ``model_dir/metrics.json`` (``satori.schema.Metrics``);
    all None when the file or a key is missing."""
    path = Path(model_dir) / formats.METRICS_JSON
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return TrainData()
    if not isinstance(metrics, dict):
        return TrainData()

    def integer(key):
        v = metrics.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    return TrainData(split_seed=integer(Metrics.SPLIT_SEED), fit_length=integer(Metrics.FIT_LENGTH))


def load_dataset(fasta, labels, split: str, length: int, n_labels: int,
                 trained: Optional[TrainData] = None) -> Dataset:
    """Read ``--fasta`` and ``--labels``, keep ``split`` (or ``all``), check them against the model.

    The reading is satori-train's (``data.dataset.load_dataset``) with the settings train
    used (``trained``, from ``train_data``): the same checks, a ``labels.tsv`` without a
    split column split 80/10/10 with train's seed (so "test" is the split train held
    out), and sequences centre-fitted to the model's length when train was given --length.

    Parameters
    ----------
    fasta, labels: path
        FASTA file and ``labels.tsv`` (the same ids in both).
    split: str
        ``test``, ``valid``, ``train`` or ``all``.
    length: int
        Sequence length the model expects (``config.length``).
    n_labels: int
        Number of outputs of the model (``config.n_labels``).
    trained: TrainData or None
        How train read its data. None or no ``split_seed``: a ``labels.tsv`` without a
        split column is an error unless ``split`` is ``all``; no ``fit_length``: every
        sequence must have the model's length.

    Raises ``InputError`` for ids that differ between the files, a length or
    label-count mismatch, or an empty split.
    """
    trained = trained or TrainData()
    fit = trained.fit_length is not None
    data = dataset.load_dataset(fasta, labels, length=length if fit else None, seed=trained.split_seed, split=split,
                                expect_length=None if fit else length)
    if data.n_labels != n_labels:
        raise InputError(
            f"{labels}: {data.n_labels} label column(s) but the model in --model has {n_labels} output(s)"
        )
    return Dataset(data.ids, data.X.numpy(), data.y.numpy(), data.label_names)


class ScanCache:
    """Pooled activations and attention maps kept from the prediction pass, within a budget.

    For raw attention everything the pair scoring needs — the max-pooled first-layer
    activations (for the hits) and the attention's maximum over heads (the map) — is
    computed by the prediction pass already. Keeping both for the candidate sequences
    means the model runs once; keeping only the maps (when both do not fit in
    ``budget_bytes``) means the scoring passes recompute the convolution alone; when
    even the maps do not fit, the cache gives up and the model runs again. Values are
    kept as computed (float32), so every path gives the same result.

    Per sequence: pooled (F, L') and map (L', L'), float32.
    """

    def __init__(self, budget_bytes: int):
        self.budget = int(budget_bytes)
        self.enabled = self.budget > 0
        self.keep_pooled = self.enabled
        self.nbytes = 0
        self.pooled, self.maps = [], []  # per batch: (k, F, L'), (k, L', L')
        self.where = {}  # row -> (chunk, offset)

    def _over(self, size: int) -> bool:
        return self.nbytes + size > self.budget

    def add(self, rows: np.ndarray, pooled: torch.Tensor, maps: torch.Tensor) -> None:
        if not self.enabled or len(rows) == 0:
            return
        size_maps = maps.element_size() * maps.numel()
        size_pooled = pooled.element_size() * pooled.numel() if self.keep_pooled else 0
        if self.keep_pooled and self._over(size_maps + size_pooled):
            self.keep_pooled = False
            self.nbytes -= sum(p.element_size() * p.numel() for p in self.pooled)
            self.pooled = []
            size_pooled = 0
            log.info("keeping attention maps only (with the activations: over --cache-mb %g); the convolution "
                     "runs again", self.budget / 2 ** 20)
        if self._over(size_maps + size_pooled):
            log.info("not keeping attention maps (over --cache-mb %g); the model runs again", self.budget / 2 ** 20)
            self.enabled, self.keep_pooled, self.pooled, self.maps, self.where, self.nbytes = False, False, [], [], {}, 0
            return
        k = len(self.maps)
        self.maps.append(maps.cpu())
        if self.keep_pooled:
            self.pooled.append(pooled.cpu())
        self.where.update((int(r), (k, i)) for i, r in enumerate(rows))
        self.nbytes += size_maps + size_pooled

    def has(self, rows) -> bool:
        return self.enabled and all(int(r) in self.where for r in rows)

    def get_maps(self, rows) -> torch.Tensor:
        """Maps of ``rows`` (split rows), shape=(len(rows), L', L')."""
        return torch.stack([self.maps[c][i] for c, i in (self.where[int(r)] for r in rows)])

    def get_pooled(self, rows) -> torch.Tensor:
        """Pooled activations of ``rows``, shape=(len(rows), F, L') (needs ``keep_pooled``)."""
        return torch.stack([self.pooled[c][i] for c, i in (self.where[int(r)] for r in rows)])

    def map_fn(self, model, X: torch.Tensor, rows: torch.Tensor):
        """A ``interpret.pairs.MapFn`` reading the maps from the cache (``extra`` = the split rows of X)."""
        conv = model.conv_activations(X)
        return conv, self.get_maps(rows.long().cpu().tolist()).to(conv.device)

    def batches(self, rows: np.ndarray, batch_size: int):
        """``(pooled, maps)`` of ``rows`` in order, ``batch_size`` at a time (needs ``keep_pooled``)."""
        for start in range(0, len(rows), batch_size):
            part = rows[start:start + batch_size]
            yield self.get_pooled(part), self.get_maps(part)


def scan(model, X, batch_size: int = 128, device="cpu", verbose: bool = False,
         cache: "ScanCache" = None, cache_rows: Callable = None):
    """One forward pass: logits, each sequence's maximum activation per filter, and its mean attention.

    X: np.ndarray or torch.Tensor, shape=(n, 4, L), one-hot (uint8).
    cache, cache_rows: optional; ``cache_rows(rows, probs) -> bool mask`` picks, in each
    batch, the sequences whose pooled activations and attention maps go into ``cache``.

    Returns ``(logits, conv_max, attn_mean)``: logits shape=(n, n_labels) float32,
    conv_max shape=(n, F) float32 (max over conv positions, after ReLU), attn_mean
    shape=(n,) float64 (mean over the (L', L') map of the attention's maximum over
    heads — the raw-attention map, whose foreground mean is the ``mean`` cutoff).
    Raises ``InputError`` when the model produces non-finite values.
    """
    pool, length = model.config.pool, model.config.pooled_length
    state = {"start": 0}

    def func(m, xb):
        start = state["start"]
        state["start"] = start + len(xb)
        with capture_conv(m) as store:
            logits, probs = m(xb, return_attention=True)
        conv = store["conv"]
        conv_max = conv.amax(dim=-1)
        maps = probs.amax(dim=1)
        attn_mean = maps.double().mean(dim=(1, 2))
        if not (torch.isfinite(logits).all() and torch.isfinite(conv_max).all() and torch.isfinite(attn_mean).all()):
            raise InputError("the model in --model produces NaN or infinite outputs; it cannot be interpreted")
        if cache is not None and cache.enabled:
            rows = np.arange(start, start + len(xb))
            keep = np.asarray(cache_rows(rows, torch.sigmoid(logits.double()).cpu().numpy()), dtype=bool)
            if keep.any():
                pooled = store.get("pooled")
                if pooled is None or pooled.shape[1:] != (conv.shape[1], length):
                    pooled = F.max_pool1d(conv, pool) if pool > 1 else conv
                pooled = pooled[:, :, :length]
                if not keep.all():
                    sel = torch.from_numpy(np.flatnonzero(keep)).to(conv.device)
                    pooled, maps = pooled[sel], maps[sel]
                cache.add(rows[keep], pooled.float().contiguous(), maps.float())
        release_free_memory()
        return logits.float(), conv_max.float(), attn_mean

    if len(X) == 0:
        return (torch.zeros(0, model.config.n_labels), torch.zeros(0, model.config.n_filters),
                torch.zeros(0, dtype=torch.float64))
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

