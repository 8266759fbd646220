"""Choosing the simulation's motifs and its set of interacting pairs.

Two choices are made here, both from a seeded ``numpy.random.Generator``:

- ``choose_motifs``: ``n`` motifs with distinct TF names (case-insensitive; the parts of a
  heterodimer name such as ``Ahr::Arnt`` count as names too), so that evaluating detected
  interactions by TF name is meaningful. Optionally the motifs also come from distinct
  *clusters*: a motif is rejected when it is too similar (``pwm_similarity`` above a
  threshold) to one already chosen — a greedy, order-randomised selection of cluster
  representatives, cheap enough to run on every call.
- ``choose_pairs``: unordered pairs of distinct motifs in which every motif takes part.

Similarity (``pwm_similarity``): the columns of both PWMs are centred (minus 0.25) and
scaled to unit length, so the dot product of two columns is their Pearson correlation
(PCC). For every relative offset of the two motifs, on both strands of the second, the
column PCCs over the overlap are summed, and the best sum is divided by the width of the
*shorter* motif. The result lies in [-1, 1]; 1 means the shorter motif is contained,
column for column, in the longer one. Dividing by the shorter width (not the overlap)
penalises short partial overlaps, the usual failure of overlap-averaged PCC. This is the
column-correlation score of STAMP/TomTom's PCC without a p-value — fast and
deterministic, which a greedy pass over ~900 JASPAR matrices needs.
"""

from typing import List, Optional, Sequence, Tuple

import numpy as np

from satori.errors import InputError
from satori.motifs.io import Motif


# --- similarity -----------------------------------------------------------------------

def _unit_columns(pwm: np.ndarray) -> np.ndarray:
    """Centre each column (minus 0.25) and scale it to unit length.

    pwm: np.ndarray, shape=(w, 4). Returns shape (w, 4); a uniform column becomes all
    zeros (its correlation with anything counts as 0).
    """
    z = np.asarray(pwm, dtype=np.float64) - 0.25
    norm = np.linalg.norm(z, axis=1, keepdims=True)
    return np.divide(z, norm, out=np.zeros_like(z), where=norm > 1e-12)


def _revcomp_pwm(pwm: np.ndarray) -> np.ndarray:
    """Reverse complement of a PWM (w, 4) in A, C, G, T column order."""
    return np.asarray(pwm)[::-1, ::-1]


def similarity_to_set(pwm: np.ndarray, others: Sequence[np.ndarray]) -> np.ndarray:
    """``pwm_similarity(pwm, o)`` for every ``o`` in ``others``, computed in one pass.

    pwm: np.ndarray, shape=(wa, 4). others: k arrays of shape (wb_i, 4).
    Returns np.ndarray, shape=(k,), float64.
    """
    k = len(others)
    if k == 0:
        return np.zeros(0)
    wa = pwm.shape[0]
    widths = np.array([o.shape[0] for o in others])
    wmax = int(widths.max())
    # (2k, wmax, 4): each other motif on both strands, zero-padded on the right
    # (zero columns add nothing to a sum of correlations).
    stack = np.zeros((2 * k, wmax, 4))
    for i, o in enumerate(others):
        stack[i, : o.shape[0]] = _unit_columns(o)
        stack[k + i, : o.shape[0]] = _unit_columns(_revcomp_pwm(o))
    a = _unit_columns(pwm)
    corr = np.einsum("ic,kjc->kij", a, stack)  # (2k, wa, wmax) column PCCs
    # Sum along every diagonal j - i = d, d in [-(wa-1), wmax-1]: pad j by wa-1 each side.
    padded = np.pad(corr, ((0, 0), (0, 0), (wa - 1, wa - 1)))
    offsets = np.arange(-(wa - 1), wmax)  # (n_off,)
    rows = np.arange(wa)
    cols = rows[None, :] + offsets[:, None] + (wa - 1)  # (n_off, wa)
    diag_sums = padded[:, rows[None, :], cols].sum(axis=2)  # (2k, n_off)
    best = diag_sums.max(axis=1)
    best = np.maximum(best[:k], best[k:])
    return best / np.minimum(wa, widths)


def pwm_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Similarity of two PWMs (each (w, 4)) in [-1, 1]; see the module docstring."""
    return float(similarity_to_set(a, [b])[0])


# --- motifs ---------------------------------------------------------------------------

def tf_name_parts(name: str) -> Tuple[str, ...]:
    """The lower-case TF names a motif name stands for (``Ahr::Arnt`` -> ahr, arnt)."""
    parts = tuple(p.strip().lower() for p in name.split("::") if p.strip())
    return parts or (name.strip().lower(),)


def choose_motifs(
    motifs: Sequence[Motif],
    n: int,
    rng: np.random.Generator,
    max_similarity: Optional[float] = None,
    source: str = "the motif database",
    cluster_labels: Optional[np.ndarray] = None,
) -> List[Motif]:
    """Pick ``n`` motifs with distinct TF names, optionally from distinct clusters.

    Parameters
    ----------
    motifs: sequence of Motif
        The candidates (a JASPAR release or a MEME file).
    n: int
        How many to pick.
    rng: np.random.Generator
        Decides the order in which candidates are considered (a random permutation).
    max_similarity: float or None
        If given, a candidate whose ``pwm_similarity`` to any chosen motif exceeds this
        value is rejected (greedy selection of cluster representatives). None: no
        similarity check (the paper's data-40/60/80 drew motifs at random).
    source: str
        Names the candidates in error messages.
    cluster_labels: np.ndarray int, shape=(len(motifs),), or None
        If given, the motif cluster of each candidate (``satori.motifs.clusters``):
        a candidate from a cluster already chosen is rejected (``--distinct-clusters``).

    Returns
    -------
    chosen: list of Motif, length n, sorted by motif id.

    Raises
    ------
    InputError
        Fewer than ``n`` candidates satisfy the constraints.
    """
    if n < 2:
        raise InputError(f"--n-tfs must be at least 2 (got {n})")
    order = rng.permutation(len(motifs))
    chosen: List[Motif] = []
    names: set = set()
    used_clusters: set = set()
    for idx in order:
        m = motifs[idx]
        parts = set(tf_name_parts(m.name))
        if parts & names:
            continue
        if cluster_labels is not None and int(cluster_labels[idx]) in used_clusters:
            continue
        if max_similarity is not None and chosen:
            if similarity_to_set(m.pwm, [c.pwm for c in chosen]).max() > max_similarity:
                continue
        chosen.append(m)
        names |= parts
        if cluster_labels is not None:
            used_clusters.add(int(cluster_labels[idx]))
        if len(chosen) == n:
            break
    if len(chosen) < n:
        what = "distinct TF names"
        if max_similarity is not None:
            what += f" and pairwise similarity <= {max_similarity:g} (--max-similarity)"
        if cluster_labels is not None:
            what += " from distinct motif clusters (--distinct-clusters)"
        raise InputError(
            f"{source} has only {len(chosen)} motifs with {what}, fewer than --n-tfs {n}"
        )
    return sorted(chosen, key=lambda m: m.id)


# --- pairs ----------------------------------------------------------------------------

def choose_pairs(n_motifs: int, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n_pairs`` distinct unordered pairs of distinct motifs; every motif in one.

    First a random perfect matching of a random permutation covers every motif (with an
    odd count, the last motif pairs with a random other); the remaining pairs are drawn
    uniformly from the pairs not yet used.

    Returns
    -------
    pairs: np.ndarray, shape=(n_pairs, 2), int64
        Motif indices ``i < j``, rows sorted.

    Raises
    ------
    InputError
        ``n_pairs`` exceeds C(n_motifs, 2), or is too small to cover every motif.
    """
    n_possible = n_motifs * (n_motifs - 1) // 2
    if n_pairs > n_possible:
        raise InputError(
            f"--n-pairs {n_pairs}: only {n_possible} unordered pairs of {n_motifs} TFs exist"
        )
    n_cover = (n_motifs + 1) // 2
    if n_pairs < n_cover:
        raise InputError(
            f"--n-pairs {n_pairs}: at least {n_cover} pairs are needed for each of {n_motifs} TFs "
            f"to be in a pair"
        )

    perm = rng.permutation(n_motifs)
    cover = [tuple(sorted((int(perm[2 * i]), int(perm[2 * i + 1])))) for i in range(n_motifs // 2)]
    if n_motifs % 2:
        last = int(perm[-1])
        other = int(rng.choice(perm[:-1]))
        cover.append(tuple(sorted((last, other))))
    used = set(cover)
    iu, ju = np.triu_indices(n_motifs, k=1)
    rest = np.array([(i, j) not in used for i, j in zip(iu.tolist(), ju.tolist())])
    extra_idx = rng.choice(np.flatnonzero(rest), size=n_pairs - len(cover), replace=False)
    pairs = np.array(cover + [(int(iu[e]), int(ju[e])) for e in np.sort(extra_idx)], dtype=np.int64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order].reshape(-1, 2)
