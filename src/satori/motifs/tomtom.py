"""Compare filter PWMs with a motif database: a thin wrapper over memelite's TomTom.

- Both strands: each target is also compared as its reverse complement; the better
  strand is kept (``orientation`` ``+`` = the filter matches the target as given,
  ``-`` = it matches the target's reverse complement).
- p: TomTom's p-value of the best alignment of a filter with a target.
  E = p x (number of targets). q: Benjamini-Hochberg over the targets, per filter
  (each filter is a separate search of the database, as in MEME's TomTom, so the
  FDR is controlled per filter).
- A filter is annotated with its best target (smallest p) when it has at least
  ``min_sites`` sites and that target's q <= ``q_threshold``.

memelite compiles its numba code the first time it runs (about a minute); the
compiled code is cached in ``NUMBA_CACHE_DIR``. If that variable is unset this module
sets it to ``$XDG_CACHE_HOME/satori/numba`` (default ``~/.cache/satori/numba``)
before numba reads it, so every later run reuses the cache.
"""

import logging
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from satori import formats
from satori.interpret.stats import benjamini_hochberg
from satori.motifs.io import Motif
from satori.numba_cache import default_numba_cache_dir, ensure_numba_cache_dir  # noqa: F401 (re-exported)

log = logging.getLogger("satori")


def _tomtom():
    ensure_numba_cache_dir()
    from memelite import tomtom

    return tomtom


@dataclass
class TomtomResult:
    """All-against-all TomTom comparison of queries (filters) with targets.

    p, E, q: np.ndarray, shape=(n_queries, n_targets).
    strand: np.ndarray int, 0 = target as given, 1 = its reverse complement.
    offset, overlap: np.ndarray int, TomTom's alignment offset and overlap.
    """

    p: np.ndarray
    E: np.ndarray
    q: np.ndarray
    strand: np.ndarray
    offset: np.ndarray
    overlap: np.ndarray


def compare(queries: Sequence[np.ndarray], targets: Sequence[Motif], threads: int = 0) -> TomtomResult:
    """Run TomTom on every (query, target) pair, both strands.

    queries: list of np.ndarray, each shape=(width, 4) letter probabilities.
    targets: list of Motif (pwm shape (width, 4)).
    threads: numba threads (0 = all).
    """
    if len(targets) == 0:
        raise ValueError("no target motifs")
    n_q, n_t = len(queries), len(targets)
    if n_q == 0:
        empty = np.zeros((0, n_t))
        return TomtomResult(empty, empty, empty, empty.astype(int), empty.astype(int), empty.astype(int))

    tomtom = _tomtom()
    Qs = [np.ascontiguousarray(np.asarray(q, dtype=np.float64).T) for q in queries]
    Ts = [np.ascontiguousarray(np.asarray(t.pwm, dtype=np.float64).T) for t in targets]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p, _scores, offsets, overlaps, strands = tomtom(Qs, Ts, reverse_complement=True,
                                                        n_jobs=threads if threads > 0 else -1)
    for w in caught:  # e.g. "fewer than 25 targets: p-values depend on the targets" -> one log line
        log.warning("TomTom: %s", w.message)
    p = np.clip(np.nan_to_num(p, nan=1.0), 0.0, 1.0)
    return TomtomResult(
        p=p,
        E=p * n_t,
        q=benjamini_hochberg(p, axis=1),
        strand=strands.astype(np.int64),
        offset=offsets.astype(np.int64),
        overlap=overlaps.astype(np.int64),
    )


def annotate_filters(
    filter_motifs: Sequence[Motif],
    ic: np.ndarray,
    targets: Sequence[Motif],
    min_sites: int = 10,
    q_threshold: float = 0.05,
    top_matches: int = 3,
    threads: int = 0,
):
    """Annotate each filter with its best database match.

    Parameters
    ----------
    filter_motifs: list of Motif
        One per filter, ids ``filter0..``, ``nsites`` the number of sites.
    ic: np.ndarray, shape=(F,)
        Information content of each filter's PWM.
    targets: list of Motif
        The motif database.
    min_sites: int
        Filters with fewer sites are not compared and stay unannotated. Default 10.
    q_threshold: float
        A best match with q above it leaves the filter unannotated. Default 0.05.
    top_matches: int
        Rows per compared filter in the long matches table. Default 3.

    Returns ``(filter_table, matches_table)``: pandas DataFrames with columns
    ``formats.FILTER_MOTIFS_COLUMNS`` (one row per filter; empty match fields when
    unannotated) and ``formats.FILTER_MATCHES_COLUMNS``.
    """
    n_sites = np.array([m.nsites or 0 for m in filter_motifs], dtype=np.int64)
    compared = np.flatnonzero(n_sites >= min_sites)
    result = compare([filter_motifs[i].pwm for i in compared], targets, threads=threads)

    rows = []
    for f, motif in enumerate(filter_motifs):
        rows.append({
            "filter": motif.id, "n_sites": int(n_sites[f]), "ic": round(float(ic[f]), 4),
            "motif_id": "", "tf": "", "p": np.nan, "E": np.nan, "q": np.nan, "orientation": "",
        })
    matches = []
    for k, f in enumerate(compared):
        order = np.argsort(result.p[k], kind="stable")
        best = order[0]
        if result.q[k, best] <= q_threshold:
            rows[f].update(
                motif_id=targets[best].id, tf=targets[best].name, p=result.p[k, best],
                E=result.E[k, best], q=result.q[k, best], orientation="+-"[int(result.strand[k, best])],
            )
        for rank, t in enumerate(order[:max(0, top_matches)], start=1):
            matches.append({
                "filter": filter_motifs[f].id, "rank": rank, "motif_id": targets[t].id, "tf": targets[t].name,
                "p": result.p[k, t], "E": result.E[k, t], "q": result.q[k, t],
                "orientation": "+-"[int(result.strand[k, t])], "offset": int(result.offset[k, t]),
                "overlap": int(result.overlap[k, t]),
            })
    table = pd.DataFrame(rows, columns=formats.FILTER_MOTIFS_COLUMNS)
    matches_table = pd.DataFrame(matches, columns=formats.FILTER_MATCHES_COLUMNS)
    n_annot = int((table["motif_id"] != "").sum())
    log.info("%d of %d filters have >= %d sites; %d annotated at q <= %g", len(compared), len(filter_motifs), min_sites, n_annot, q_threshold)
    return table, matches_table


def read_filter_motifs(path) -> pd.DataFrame:
    """Read a ``filter_motifs.tsv`` (written by ``satori-filter-motifs``).

    Returns a DataFrame of strings with the ``formats.FILTER_MOTIFS_COLUMNS`` found
    plus ``index`` (int, the filter number parsed from ``filterN``); empty
    ``motif_id``/``tf`` mean unannotated. Raises ``InputError`` when the file is
    missing or malformed.
    """
    from satori.errors import InputError
    from satori.tsv import read_tsv

    df = read_tsv(path, "filter motif table", ["filter", "motif_id", "tf"], flag="--filter-motifs")
    index = df["filter"].str.extract(r"^filter(\d+)$")[0]
    if index.isna().any():
        raise InputError(f"{path}: filter names must look like 'filter12'; found '{df.loc[index.isna(), 'filter'].iloc[0]}'")
    df["index"] = index.astype(int)
    if df["index"].duplicated().any():
        raise InputError(f"{path}: filter '{df.loc[df['index'].duplicated(), 'filter'].iloc[0]}' is listed twice")
    return df
