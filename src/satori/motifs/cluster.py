"""Cluster motifs by TomTom similarity and keep one representative per cluster.

Used to reduce a motif database (the bundled JASPAR release) to non-redundant motifs
before they are pre-loaded as convolution filters (TIANA's setup, the paper's
"clustered PSSMs").

- Similarity: memelite's TomTom, all against all, both strands. TomTom's p-value is
  not symmetric (the null is built from the query's columns), so two motifs are as
  similar as the larger of their two p-values: ``p_sym = max(p(a, b), p(b, a))``.
- Clusters: complete-linkage hierarchical clustering of ``p_sym`` cut at
  ``threshold``, so every two motifs of a cluster match each other with p <=
  threshold (no chaining of dissimilar motifs through intermediates).
- Representative: the member most similar to the rest of its cluster (the smallest
  mean log10 p_sym to the other members), ties to the smaller motif id.

On JASPAR2024 CORE vertebrates (879 matrices) the threshold gives 183 clusters at
1e-2, 264 at 1e-3 (the default), 357 at 1e-4, 439 at 1e-5, 526 at 1e-6; the
all-against-all TomTom takes about a second on one core.
"""

from dataclasses import dataclass
from typing import List, Sequence

import numpy as np

from satori.numba_cache import ensure_numba_cache_dir
from satori.motifs.io import Motif

DEFAULT_THRESHOLD = 1e-3


def tomtom_pvalues(motifs: Sequence[Motif], threads: int = 1) -> np.ndarray:
    """All-against-all TomTom p-values (memelite, both strands).

    Returns np.ndarray, shape=(n, n), float64: entry (i, j) is the p-value of motif i
    (query) against motif j (target).
    """
    ensure_numba_cache_dir()
    import warnings

    from memelite import tomtom

    pwms = [np.ascontiguousarray(m.pwm.T, dtype=np.float64) for m in motifs]  # (4, w) each
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # memelite warns about p-values with < 25 targets
        result = tomtom(pwms, pwms, n_jobs=max(1, threads))
    return np.asarray(result[0], dtype=np.float64)


@dataclass
class Clustering:
    """Result of ``cluster_motifs``.

    labels: np.ndarray, shape=(n,), int — cluster number of each input motif (0-based,
        numbered by first appearance in input order).
    representatives: list of int — index of each cluster's representative, by cluster.
    p_sym: np.ndarray, shape=(n, n) — the symmetric TomTom p-values used.
    """

    labels: np.ndarray
    representatives: List[int]
    p_sym: np.ndarray

    def members(self, cluster: int) -> List[int]:
        return np.flatnonzero(self.labels == cluster).tolist()


def cluster_motifs(motifs: Sequence[Motif], threshold: float = DEFAULT_THRESHOLD,
                   pvalues: np.ndarray = None, threads: int = 1) -> Clustering:
    """Complete-linkage clusters of motifs whose pairwise TomTom p <= ``threshold``.

    Parameters
    ----------
    motifs: sequence of Motif (n >= 1)
    threshold: float in (0, 1]
        Every two members of a cluster match with p_sym <= threshold.
    pvalues: np.ndarray, shape=(n, n), or None
        Precomputed ``tomtom_pvalues(motifs)`` (for tests); computed when None.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    n = len(motifs)
    if n == 0:
        raise ValueError("no motifs to cluster")
    p = tomtom_pvalues(motifs, threads) if pvalues is None else np.asarray(pvalues, dtype=np.float64)
    if p.shape != (n, n):
        raise ValueError(f"pvalues must have shape {(n, n)}, got {p.shape}")

    p_sym = np.maximum(p, p.T)
    np.fill_diagonal(p_sym, 0.0)
    if n == 1:
        raw = np.array([1])
    else:
        tree = linkage(squareform(p_sym, checks=False), method="complete")
        raw = fcluster(tree, t=threshold, criterion="distance")
    # renumber clusters by first appearance, so the result does not depend on scipy's numbering
    _, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    labels = order[inverse]

    log_p = np.log10(np.clip(p_sym, 1e-300, 1.0))
    ids = [m.id for m in motifs]
    representatives = []
    for c in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == c)
        if len(members) == 1:
            representatives.append(int(members[0]))
            continue
        sub = log_p[np.ix_(members, members)]
        mean_other = (sub.sum(axis=1) - np.diag(sub)) / (len(members) - 1)
        best = min(range(len(members)), key=lambda i: (mean_other[i], ids[members[i]]))
        representatives.append(int(members[best]))
    return Clustering(labels=labels, representatives=representatives, p_sym=p_sym)


def representatives(motifs: Sequence[Motif], threshold: float = DEFAULT_THRESHOLD,
                    threads: int = 1) -> List[Motif]:
    """One motif per cluster (``cluster_motifs``), sorted by motif id.

    Each returned ``Motif`` is a copy whose ``meta["cluster_ids"]`` and
    ``meta["cluster_names"]`` list the ids and names of its cluster's members
    (itself included).
    """
    clustering = cluster_motifs(motifs, threshold, threads=threads)
    out = []
    for c, rep in enumerate(clustering.representatives):
        members = clustering.members(c)
        m = motifs[rep]
        meta = dict(m.meta, cluster_ids=[motifs[i].id for i in members],
                    cluster_names=[motifs[i].name for i in members])
        out.append(Motif(m.id, m.name, m.pwm, m.nsites, meta))
    return sorted(out, key=lambda m: m.id)
