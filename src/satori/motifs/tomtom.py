"""Compare filter PWMs with a motif database: a thin wrapper over memelite's TomTom.

- Both strands: each target is also compared as its reverse complement; the better
  strand is kept (``orientation`` ``+`` = the filter matches the target as given,
  ``-`` = it matches the target's reverse complement).
- Meaning of p, E and q as in MEME's TomTom: p is per (filter, target), the chance
  that a filter with no true relation to the target aligns with it as well as
  observed (best offset, best strand); E = p x (number of targets), the expected
  number of targets matching this well by chance; q = Benjamini-Hochberg over the
  targets, per filter (each filter is a separate search of the database, so the FDR
  is controlled per filter).
- Calibration (``satori.motifs.calibrate``, the one place that corrects memelite):
  each filter is trimmed to its informative core (flank columns below 0.3 bits
  dropped) and memelite's p is replaced by max(memelite p, the p of the same match
  under an empirical null of random PWMs against that target, per query width and
  information content), computed once per database and cached. memelite's p alone
  treats a target's columns as independent, so long structured targets (CTCF) and
  blurry filters got tiny p-values by chance. ``calibrate=False`` gives memelite's p.
- A filter is annotated with its best target (smallest p) when it has at least
  ``min_sites`` sites and that target's q <= ``q_threshold``; the target's motif
  cluster (``satori.motifs.clusters``) is reported beside it.

memelite compiles its numba code the first time it runs (about a minute); the
compiled code is cached in ``NUMBA_CACHE_DIR``. If that variable is unset this module
sets it to ``$XDG_CACHE_HOME/satori/numba`` (default ``~/.cache/satori/numba``)
before numba reads it, so every later run reuses the cache.
"""

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from satori import formats
from satori.interpret.stats import benjamini_hochberg
from satori.motifs import calibrate as calibration
from satori.motifs.clusters import TFS_SEPARATOR
from satori.motifs.io import Motif
from satori.numba_cache import default_numba_cache_dir, ensure_numba_cache_dir  # noqa: F401 (re-exported)

log = logging.getLogger("satori")


@dataclass
class TomtomResult:
    """All-against-all TomTom comparison of queries (filters) with targets.

    p, E, q: np.ndarray, shape=(n_queries, n_targets) — calibrated p (see
        ``satori.motifs.calibrate``; memelite's own p when ``calibrate=False``),
        E = p x n_targets, q = BH per query over the targets.
    raw_p: np.ndarray, shape=(n_queries, n_targets) — memelite's p of the trimmed core.
    strand: np.ndarray int, 0 = target as given, 1 = its reverse complement.
    offset, overlap: np.ndarray int, TomTom's alignment offset (of the untrimmed
        query) and overlap.
    core: np.ndarray int, shape=(n_queries, 2) — [start, stop) of each query's
        trimmed core (stop - start < MIN_CORE: not compared, p = 1).
    """

    p: np.ndarray
    E: np.ndarray
    q: np.ndarray
    strand: np.ndarray
    offset: np.ndarray
    overlap: np.ndarray
    raw_p: np.ndarray = None
    core: np.ndarray = None


def compare(queries: Sequence[np.ndarray], targets: Sequence[Motif], threads: int = 0,
            calibrate: bool = True, trim_ic: float = None) -> TomtomResult:
    """Run TomTom on every (query, target) pair, both strands, with calibrated p-values.

    queries: list of np.ndarray, each shape=(width, 4) letter probabilities.
    targets: list of Motif (pwm shape (width, 4)).
    threads: numba threads (0 = all).
    calibrate: trim each query to its core and calibrate p against the database's
        cached null (``calibrate.load_null``); False = memelite's p of the untrimmed
        query, as MEME's TomTom reports it.
    trim_ic: flank columns below this many bits are trimmed (default ``calibrate.TRIM_IC``).
    """
    if len(targets) == 0:
        raise ValueError("no target motifs")
    n_q, n_t = len(queries), len(targets)
    if n_q == 0:
        empty = np.zeros((0, n_t))
        z = empty.astype(int)
        return TomtomResult(empty, empty, empty, z, z, z, empty, np.zeros((0, 2), dtype=int))

    queries = [np.asarray(q, dtype=np.float64) for q in queries]
    if calibrate:
        thr = calibration.TRIM_IC if trim_ic is None else trim_ic
        core = np.array([calibration.trim(q, thr) for q in queries], dtype=np.int64).reshape(-1, 2)
    else:
        core = np.array([[0, len(q)] for q in queries], dtype=np.int64).reshape(-1, 2)
    usable = np.flatnonzero(core[:, 1] - core[:, 0] >= (calibration.MIN_CORE if calibrate else 1))
    raw = np.ones((n_q, n_t))
    scores = np.zeros((n_q, n_t))
    offsets, overlaps, strands = (np.zeros((n_q, n_t), dtype=np.int64) for _ in range(3))
    if len(usable):
        cores = [queries[i][core[i, 0]:core[i, 1]] for i in usable]
        p_u, _s, off_u, ov_u, st_u = calibration.raw_tomtom(cores, targets, threads)
        raw[usable] = np.clip(np.nan_to_num(p_u, nan=1.0), 0.0, 1.0)
        offsets[usable] = off_u.astype(np.int64) + core[usable, :1]
        overlaps[usable] = ov_u.astype(np.int64)
        strands[usable] = st_u.astype(np.int64)
    p = raw.copy()
    if calibrate and len(usable):
        null = calibration.load_null(targets, threads)
        strata = np.array([calibration.stratum(c) for c in cores], dtype=np.int64)
        p[usable] = calibration.calibrated_p(raw[usable], strata, null)
    return TomtomResult(
        p=p,
        E=p * n_t,
        q=benjamini_hochberg(p, axis=1),
        strand=strands,
        offset=offsets,
        overlap=overlaps,
        raw_p=raw,
        core=core,
    )


def annotate_filters(
    filter_motifs: Sequence[Motif],
    ic: np.ndarray,
    targets: Sequence[Motif],
    min_sites: int = 10,
    q_threshold: float = 0.05,
    top_matches: int = 3,
    threads: int = 0,
    calibrate: bool = True,
    clusters=None,
):
    """Annotate each filter with its best database match and that match's motif cluster.

    Parameters
    ----------
    filter_motifs: list of Motif
        One per filter, ids ``filter0..``, ``nsites`` the number of sites (None:
        unknown, e.g. motifs read from a file; compared whatever ``min_sites``).
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
    calibrate: bool
        Trimmed cores and calibrated p-values (``compare``). Default True.
    clusters: ``clusters.DatabaseClusters`` or None
        The database's motif clusters; None computes them (cached per database).

    Returns ``(filter_table, matches_table)``: pandas DataFrames with columns
    ``formats.FILTER_MOTIFS_COLUMNS`` (one row per filter; empty match fields when
    unannotated) and ``formats.FILTER_MATCHES_COLUMNS``.
    """
    n_sites = np.array([-1 if m.nsites is None else m.nsites for m in filter_motifs], dtype=np.int64)
    compared = np.flatnonzero((n_sites >= min_sites) | (n_sites < 0))  # unknown site count: compared
    result = compare([filter_motifs[i].pwm for i in compared], targets, threads=threads, calibrate=calibrate)
    if clusters is None:
        from satori.motifs.clusters import database_clusters

        clusters = database_clusters(targets, threads=max(1, threads))

    rows = []
    for f, motif in enumerate(filter_motifs):
        rows.append({
            "filter": motif.id, "n_sites": int(n_sites[f]) if n_sites[f] >= 0 else np.nan, "ic": round(float(ic[f]), 4),
            "motif_id": "", "tf": "", "p": np.nan, "E": np.nan, "q": np.nan, "orientation": "",
            "cluster_id": "", "cluster_name": "", "cluster_tfs": "",
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
            cid, cname, ctfs = clusters.of_motif(targets[best].id)
            rows[f].update(cluster_id=cid, cluster_name=cname, cluster_tfs=TFS_SEPARATOR.join(ctfs))
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
