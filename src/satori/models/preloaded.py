"""Pre-loaded motif filters (TIANA-style): the first convolution scores known motifs.

The first convolution's filters are set to motif log-odds PSSMs and frozen, so each
filter *is* a known motif: interpretation maps filters to motifs directly (no
TomTom) and counts a filter present where its score exceeds half the PSSM's maximum.

Choices (documented here and in the README):

- Both strands as separate filters: motif i gives filter 2i (the PSSM as given,
  strand ``+``) and filter 2i+1 (its reverse complement, strand ``-``). A plain
  ``Conv1d`` then scores exactly one PSSM per filter (no max over strands inside the
  model, which DeepLIFT would need a rule for), and the two strands keep their own
  attention features. Both carry the motif's id and name, so a pair of filters of one
  motif is a same-TF pair (dropped by the evaluation).
- Width: the filter width k is the widest motif's width; a shorter motif occupies the
  first ``width`` columns of its filter (for both strands) and the remaining columns
  are zero log-odds, so the filter's score is exactly the motif's PSSM score of the
  ``width``-mer starting at the conv position (conv position i = k-mer
  ``X[:, :, i:i+k]``). A motif shorter than k cannot be scored in the last k - width
  positions of a sequence.
- Scores: log2-odds against a uniform background (``satori.motifs.io.log_odds``,
  pseudocount 1e-3), no bias, no batch normalisation; after the conv block's ReLU the
  activation is max(PSSM score, 0).
- Presence threshold: half the PSSM's maximum score (the sum of its column maxima),
  stored per filter in ``config.filter_motifs[i]["threshold"]``
  (``preloaded_thresholds(config)``).
- Frozen: the conv weight has ``requires_grad=False`` (set by ``build`` from the
  config) and ``satori.train.make_optimizer`` leaves such parameters out.

The PSSMs themselves are weights: they live in ``model.pt``; ``config.json`` records
per filter ``id``, ``name``, ``strand``, ``width``, ``threshold``, ``max_score``,
``ic`` (and, for clustered motifs, the ``cluster_ids``/``cluster_names`` of the
cluster the motif represents). ``build(config)`` alone gives zero filters: use
``build_preloaded`` for a new model and ``satori.models.load`` for a saved one.
"""

import dataclasses
import os
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import torch

from satori import formats
from satori.errors import InputError
from satori.motifs import jaspar
from satori.motifs.io import UNIFORM, Motif, information_content, log_odds, read_meme

PathLike = Union[str, os.PathLike]

#: ``--preload-motifs`` value that selects the bundled JASPAR release, clustered
JASPAR_SOURCE = "jaspar"
STRANDS = ("+", "-")


def _read_motif_file(path: PathLike) -> List[Motif]:
    # Issue 4 adds satori.motifs.io.read_motifs (MEME, JASPAR, PFM by extension); until it
    # is merged only MEME files are read here.
    try:
        from satori.motifs.io import read_motifs
    except ImportError:
        return read_meme(path)
    return read_motifs(path)


def select_motifs(
    source: str,
    cluster_threshold: Optional[float] = None,
    release: str = jaspar.DEFAULT_RELEASE,
    collection: str = jaspar.DEFAULT_COLLECTION,
    tax_group: Optional[str] = jaspar.DEFAULT_TAX_GROUP,
    threads: int = 1,
) -> List[Motif]:
    """The motifs to pre-load.

    source: str
        A motif file (MEME; JASPAR/PFM once ``read_motifs`` exists) or ``"jaspar"`` for
        the bundled JASPAR release ``release``/``collection``/``tax_group``.
    cluster_threshold: float or None
        TomTom p-value at which motifs are clustered, one representative kept per
        cluster (``satori.motifs.cluster``). None: 1e-3 for JASPAR, no clustering for a
        file (a file is taken as the motif set the user chose, e.g. a simulation's
        motifs.meme). A value <= 0 switches clustering off.
    threads: int
        CPU threads for TomTom.
    """
    if source == JASPAR_SOURCE:
        tax = None if tax_group in (None, "all") else tax_group
        motifs = jaspar.load_jaspar(release, collection, tax)
        if cluster_threshold is None:
            from satori.motifs.cluster import DEFAULT_THRESHOLD

            cluster_threshold = DEFAULT_THRESHOLD
    else:
        if not Path(source).is_file():
            raise InputError(f"--preload-motifs {source}: file not found (give a MEME file or 'jaspar')")
        motifs = _read_motif_file(source)
    if cluster_threshold is not None and cluster_threshold > 0:
        if cluster_threshold > 1:
            raise InputError(f"--cluster-threshold {cluster_threshold}: a TomTom p-value must be <= 1")
        from satori.motifs.cluster import representatives

        motifs = representatives(motifs, cluster_threshold, threads=threads)
    return motifs


def pssm_filters(motifs: Sequence[Motif], background: Sequence[float] = UNIFORM) -> Tuple[np.ndarray, List[dict]]:
    """Log-odds filters of ``motifs`` on both strands.

    Returns
    -------
    weights: np.ndarray, shape=(2 * n_motifs, 4, k), float32
        Conv1d weights (filter, base A/C/G/T, offset); k = the widest motif.
        ``weights[2i]`` scores motif i, ``weights[2i+1]`` its reverse complement.
    entries: list of dict, one per filter
        ``id``, ``name``, ``strand``, ``width``, ``threshold`` (half the maximum
        score), ``max_score``, ``ic`` (+ ``cluster_ids``/``cluster_names`` when the
        motif's ``meta`` has them).
    """
    if not motifs:
        raise InputError("no motifs to pre-load")
    ids = [m.id for m in motifs]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"pre-loaded motifs: duplicate motif id '{dup}'")
    k = max(m.width for m in motifs)
    weights = np.zeros((2 * len(motifs), 4, k), dtype=np.float64)
    entries = []
    for i, m in enumerate(motifs):
        lo = log_odds(m.pwm, background)  # (w, 4)
        max_score = float(lo.max(axis=1).sum())
        for s, (strand, mat) in enumerate(zip(STRANDS, (lo, lo[::-1, ::-1]))):
            weights[2 * i + s, :, : m.width] = mat.T
            entry = {
                "id": m.id, "name": m.name, "strand": strand, "width": m.width,
                "threshold": 0.5 * max_score, "max_score": max_score, "ic": information_content(m.pwm),
            }
            for key in ("cluster_ids", "cluster_names"):
                if key in m.meta:
                    entry[key] = list(m.meta[key])
            entries.append(entry)
    return weights.astype(np.float32), entries


def preloaded_config(config, motifs: Sequence[Motif], background: Sequence[float] = UNIFORM):
    """``config`` with the first layer replaced by ``motifs``' PSSMs.

    Returns ``(config, weights)``: a new ModelConfig with ``n_filters`` = 2 x motifs,
    ``filter_width`` = the widest motif and ``filter_motifs`` set, and the weights
    (``pssm_filters``) to pass to ``load_filters``.
    """
    weights, entries = pssm_filters(motifs, background)
    new = dataclasses.replace(config, n_filters=int(weights.shape[0]), filter_width=int(weights.shape[2]),
                              filter_motifs=entries)
    return new, weights


def load_filters(model: torch.nn.Module, weights: np.ndarray) -> None:
    """Copy PSSM filters (``pssm_filters``) into a pre-loaded model's first conv.

    weights: shape=(F, 4, k), matching the model's conv.
    """
    conv = model.conv[0]
    w = torch.as_tensor(np.asarray(weights), dtype=conv.weight.dtype)
    if w.shape != conv.weight.shape:
        raise ValueError(f"weights of shape {tuple(w.shape)} do not fit the conv {tuple(conv.weight.shape)}")
    with torch.no_grad():
        conv.weight.copy_(w.to(conv.weight.device))


def build_preloaded(config, motifs: Sequence[Motif], background: Sequence[float] = UNIFORM):
    """A new model whose first conv scores ``motifs`` (both strands), frozen.

    config: ModelConfig giving everything but the first layer (its ``n_filters`` and
    ``filter_width`` are replaced). Returns the model (``model.config`` is the new config).
    """
    from satori.models import build

    new, weights = preloaded_config(config, motifs, background)
    model = build(new)
    load_filters(model, weights)
    return model


def _entries(config) -> list:
    if not getattr(config, "preloaded", False):
        raise InputError("the model has trainable filters, not pre-loaded motif filters")
    return config.filter_motifs


def preloaded_filter_table(config) -> pd.DataFrame:
    """The ``filter_motifs.tsv`` table of a pre-loaded model (no TomTom needed).

    One row per filter, columns ``formats.FILTER_MOTIFS_COLUMNS``: ``filter`` =
    ``filter<i>``, ``n_sites`` empty (no sites are collected), ``ic`` of the motif,
    ``motif_id`` and ``tf`` (the motif name), ``p`` = ``E`` = ``q`` = 0 (the filter is
    the motif by construction), ``orientation`` = the strand the filter scores; the
    cluster columns describe the cluster the motif represents (``cluster_id`` = the
    motif id; its own name alone when the motifs were not clustered).
    """
    from satori.motifs.clusters import TFS_SEPARATOR, cluster_name

    rows = []
    for i, e in enumerate(_entries(config)):
        tfs = list(dict.fromkeys([e["name"]] + list(e.get("cluster_names") or [])))
        rows.append({
            "filter": f"filter{i}", "n_sites": np.nan, "ic": float(e.get("ic", np.nan)),
            "motif_id": e["id"], "tf": e["name"], "p": 0.0, "E": 0.0, "q": 0.0, "orientation": e["strand"],
            "cluster_id": e["id"], "cluster_name": cluster_name(tfs), "cluster_tfs": TFS_SEPARATOR.join(tfs),
        })
    return pd.DataFrame(rows, columns=formats.FILTER_MOTIFS_COLUMNS)


def preloaded_thresholds(config) -> torch.Tensor:
    """Per-filter presence thresholds: half of each PSSM's maximum score.

    Returns torch.Tensor, shape=(F,), float32. A filter is present at a conv position
    where its activation (ReLU of the PSSM score) exceeds its threshold.
    """
    return torch.tensor([float(e["threshold"]) for e in _entries(config)], dtype=torch.float32)
