"""Motif clusters of a database: computed once, cached, named for a biologist.

A filter named "FOXA2" is often as well described by any forkhead factor: the database
holds many near-identical matrices. ``database_clusters`` clusters a database with the
complete-linkage TomTom clustering of ``satori.motifs.cluster`` (every two members
match with p <= ``threshold``, default 1e-3; memelite's p, untrimmed, as before) and
caches the labels on disk per database (``calibrate.cache_dir()/motif_clusters``,
keyed by a hash of the database content and the threshold).

Each cluster gets
- a stable id ``C001``, ``C002``, ... numbered by first appearance in database order
  (the same database always gives the same ids);
- a readable name: the common prefix of its TF names when there is one of at least 3
  characters shared by at least half of them (trailing digits and separators dropped),
  then up to 3 member TFs, e.g.
  ``FOX: FOXA1/FOXA2/FOXC1…``; else the member TFs only (``GATA1/TAL1::GATA1``);
  a one-TF cluster is named after that TF;
- its member TFs (unique names, the representative's first, then alphabetical).
"""

import json
import logging
import re
from dataclasses import dataclass
from typing import Dict, List, Sequence

import numpy as np

from satori.motifs.cluster import DEFAULT_THRESHOLD, cluster_motifs
from satori.motifs.io import Motif

log = logging.getLogger("satori")

CLUSTERS_VERSION = "1"
NAME_MEMBERS = 3
MIN_PREFIX = 3
TFS_SEPARATOR = ","


def common_prefix_name(tfs: Sequence[str]) -> str:
    """The family prefix of a cluster's TF names, or ''.

    Among prefixes of at least ``MIN_PREFIX`` characters (upper-case), the one shared
    by the most names, the longest on ties; it must be shared by at least 2 names and
    half of them. Trailing digits and separators are dropped (FOXA1/FOXA2/FOXC1 ->
    FOX, RUNX1/RUNX2/Bcl11B -> RUNX).
    """
    names = [t.upper() for t in tfs]
    if len(names) < 2:
        return ""
    best, best_count = "", 0
    for length in range(MIN_PREFIX, max(len(n) for n in names) + 1):
        counts = {}
        for n in names:
            if len(n) >= length:
                counts[n[:length]] = counts.get(n[:length], 0) + 1
        if not counts:
            break
        prefix, count = max(sorted(counts.items()), key=lambda kv: kv[1])
        if count >= best_count:
            best, best_count = prefix, count
    best = re.sub(r"[^A-Z]+$", "", best)
    if best_count < max(2, (len(names) + 1) // 2) or len(best) < MIN_PREFIX:
        return ""
    return best


def cluster_name(tfs: Sequence[str]) -> str:
    """Readable name of a cluster with member TFs ``tfs`` (representative's first)."""
    if len(tfs) == 1:
        return tfs[0]
    shown = "/".join(tfs[:NAME_MEMBERS]) + ("…" if len(tfs) > NAME_MEMBERS else "")
    prefix = common_prefix_name(tfs)
    return f"{prefix}: {shown}" if prefix else shown


@dataclass
class DatabaseClusters:
    """Clusters of one motif database.

    labels: np.ndarray int, shape=(T,) — cluster number of each database motif.
    ids, names: list of str by cluster — ``C001``..., readable names.
    tfs: list of list of str by cluster — member TF names.
    motif_ids: list of str, shape=(T,) — the database motifs' ids, in order.
    """

    labels: np.ndarray
    ids: List[str]
    names: List[str]
    tfs: List[List[str]]
    motif_ids: List[str]

    def __post_init__(self):
        self._index: Dict[str, int] = {m: i for i, m in enumerate(self.motif_ids)}

    def of_motif(self, motif_id: str):
        """``(cluster_id, cluster_name, member_tfs)`` of a database motif; '' / [] if unknown."""
        i = self._index.get(motif_id)
        if i is None:
            return "", "", []
        c = int(self.labels[i])
        return self.ids[c], self.names[c], self.tfs[c]

    def tfs_of(self, motif_id: str) -> List[str]:
        return self.of_motif(motif_id)[2]

    def tf_clusters(self) -> Dict[str, List[int]]:
        """Lower-cased TF name -> the clusters holding one of its matrices."""
        out: Dict[str, List[int]] = {}
        for c, members in enumerate(self.tfs):
            for t in members:
                out.setdefault(t.lower(), []).append(c)
        return out


def _describe(motifs: Sequence[Motif], labels: np.ndarray, representatives: Sequence[int]) -> DatabaseClusters:
    ids, names, tfs = [], [], []
    for c, rep in enumerate(representatives):
        members = np.flatnonzero(labels == c)
        seen, ordered = set(), []
        for i in [rep] + sorted((int(i) for i in members if i != rep), key=lambda i: motifs[i].name.upper()):
            key = motifs[i].name.lower()
            if key not in seen:
                seen.add(key)
                ordered.append(motifs[i].name)
        ids.append(f"C{c + 1:03d}")
        names.append(cluster_name(ordered))
        tfs.append(ordered)
    return DatabaseClusters(np.asarray(labels, dtype=np.int64), ids, names, tfs, [m.id for m in motifs])


def database_clusters(motifs: Sequence[Motif], threshold: float = DEFAULT_THRESHOLD,
                      threads: int = 1, cache: bool = True) -> DatabaseClusters:
    """Clusters of a motif database, from the disk cache or computed once and cached."""
    from satori.atomic import write_text
    from satori.motifs.calibrate import cache_dir, database_key

    if len(motifs) == 0:
        raise ValueError("no motifs to cluster")
    path = cache_dir() / "motif_clusters" / f"{database_key(motifs, (CLUSTERS_VERSION, threshold))}.json"
    if cache and path.is_file():
        try:
            doc = json.loads(path.read_text())
            labels = np.asarray(doc["labels"], dtype=np.int64)
            if len(labels) == len(motifs):
                return _describe(motifs, labels, doc["representatives"])
        except (OSError, ValueError, KeyError):
            log.warning("motif cluster cache %s is unreadable; recomputing it", path)
    log.info("clustering %d database motifs (TomTom complete linkage, p <= %g; once, cached in %s)",
             len(motifs), threshold, path.parent)
    result = cluster_motifs(motifs, threshold, threads=max(1, threads))
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, json.dumps({"threshold": threshold, "labels": result.labels.tolist(),
                                         "representatives": [int(r) for r in result.representatives]}))
        except OSError as e:
            log.warning("cannot cache motif clusters in %s: %s", path, e)
    return _describe(motifs, result.labels, result.representatives)
