"""Look predicted TF pairs up in a PPI database, and test the matches against chance.

Names: TF names are compared with gene symbols case-insensitively; JASPAR-style variant
suffixes (``(var.2)``) are dropped; a heterodimer ``A::B`` stands for its members A and B.
With a name map (motif or TF name -> gene symbols) a mapped name stands for its symbols.
A predicted pair (tf1, tf2) matches when some member of tf1 and some *other* member of
tf2 interact in the database (self-interactions of one gene do not count); each matching
member pair is one row of ``ppi_matches.tsv``.

Chance: the TFs of the predicted pairs define a universe, every unordered pair of two of
them. The hypergeometric p-value asks whether the predicted pairs hold more database
pairs than a random draw of as many pairs from the universe; the permutation p-value
shuffles the TF names over the nodes of the predicted network (keeping each TF's number
of partners) and counts how often the shuffled network matches at least as many pairs.
"""

import logging
import math
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from satori import formats
from satori.errors import InputError
from satori.schema import PPISummary
from satori.tsv import read_tsv

log = logging.getLogger("satori")

_VARIANT = re.compile(r"\s*\(var\.?\s*\d+\)\s*$", re.IGNORECASE)


def read_interactions(path) -> pd.DataFrame:
    """Read a ``tf_interactions.tsv``; needs ``tf1``, ``tf2``, ``q`` (``p``, ``method`` optional)."""
    path = Path(path)
    df = read_tsv(path, "TF interaction table", ("tf1", "tf2", "q"), flag="--interactions")
    q = pd.to_numeric(df["q"], errors="coerce")
    bad = q.isna() & (df["q"] != "")
    if bad.any():
        raise InputError(f"--interactions {path}: q must be numeric; found '{df['q'][bad].iloc[0]}'")
    out = pd.DataFrame({
        "tf1": df["tf1"].str.strip(), "tf2": df["tf2"].str.strip(), "q": q,
        "p": pd.to_numeric(df["p"], errors="coerce") if "p" in df.columns else np.nan,
        "method": df["method"] if "method" in df.columns else "",
    })
    return out


def read_name_map(path) -> Dict[str, List[str]]:
    """A TSV ``name <tab> symbol(s)`` (gimmemotifs' motif2factors works: Motif, Factor, ...).

    Several rows per name add up; one cell may hold several symbols separated by ``,``
    ``;`` ``|`` or ``::``. A header row (first cell ``motif``, ``name``, ``tf``, ``id``) is
    skipped. Keys are upper case.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--name-map {path}: file not found")
    out: Dict[str, List[str]] = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.rstrip("\n\r").split("\t")
            if len(cells) < 2:
                raise InputError(f"--name-map {path}: line {lineno}: need 2 tab-separated columns (name, gene symbol)")
            if lineno == 1 and cells[0].strip().lower() in ("motif", "name", "tf", "id", "motif_id", "motif_name"):
                continue
            key = cells[0].strip().upper()
            symbols = [s.strip().upper() for s in re.split(r"::|[,;|]", cells[1]) if s.strip()]
            if key and symbols:
                out.setdefault(key, [])
                out[key].extend(s for s in symbols if s not in out[key])
    if not out:
        raise InputError(f"--name-map {path}: no name -> symbol rows")
    return out


def members(name: str, name_map: Optional[Dict[str, List[str]]] = None) -> List[str]:
    """Gene symbols (upper case) a TF or motif name stands for.

    ``GATA1::TAL1`` -> ``[GATA1, TAL1]``; ``Pax6(var.2)`` -> ``[PAX6]``; a name (or a
    heterodimer member) found in ``name_map`` -> its mapped symbols.
    """
    name = (name or "").strip()
    if not name:
        return []
    out: List[str] = []
    key = name.upper()
    parts = [key] if name_map and key in name_map else [p for p in key.split("::") if p.strip()]
    for part in parts:
        part = _VARIANT.sub("", part.strip())
        mapped = name_map.get(part) if name_map else None
        for sym in mapped or [part]:
            if sym not in out:
                out.append(sym)
    return out


def _member_table(names: Sequence[str], name_map) -> pd.DataFrame:
    rows = [(i, s) for i, n in enumerate(names) for s in members(n, name_map)]
    return pd.DataFrame(rows, columns=["tf", "gene"]) if rows else pd.DataFrame({"tf": [], "gene": []})


def aggregate_ppi(ppi: pd.DataFrame, genes: Sequence[str]) -> pd.DataFrame:
    """Database records among ``genes``, one row per unordered gene pair (self pairs dropped).

    Returns ``g1`` < ``g2``, ``score`` (max), ``n_records``, ``sources``, ``publications``.
    """
    genes = pd.Index(pd.unique(np.asarray(genes, dtype=object)))
    sub = ppi[ppi["gene_a"].isin(genes) & ppi["gene_b"].isin(genes) & (ppi["gene_a"] != ppi["gene_b"])]
    if sub.empty:
        return pd.DataFrame(columns=["g1", "g2", "score", "n_records", "sources", "publications"])
    a, b = sub["gene_a"].to_numpy(), sub["gene_b"].to_numpy()
    g1, g2 = np.where(a < b, a, b), np.where(a < b, b, a)
    sub = sub.assign(g1=g1, g2=g2)

    def _join(values, cap=None):
        seen: List[str] = []
        for v in values:
            for t in str(v).split("|"):
                t = t.strip()
                if t and t != "-" and t not in seen:
                    seen.append(t)
        return "|".join(seen[:cap] if cap else seen)

    grouped = sub.groupby(["g1", "g2"], sort=True)
    agg = grouped.agg(score=("score", "max"), n_records=("record", "nunique")).reset_index()
    agg["sources"] = grouped["sources"].agg(_join).to_numpy()
    agg["publications"] = grouped["publications"].agg(lambda v: _join(v, cap=10)).to_numpy()
    return agg


def match_pairs(
    pairs: pd.DataFrame, ppi: pd.DataFrame, name_map: Optional[Dict[str, List[str]]] = None
) -> Tuple[pd.DataFrame, dict]:
    """Match predicted pairs against the database; test the matches against chance.

    Parameters
    ----------
    pairs: pd.DataFrame — predicted pairs: ``tf1``, ``tf2``, ``q``, ``p``, ``method``
        (already filtered by q; rows naming the same TF twice are dropped here)
    ppi: pd.DataFrame — from ``mitab.read_mitab``

    Returns
    -------
    matches: pd.DataFrame — ``formats.PPI_MATCHES_COLUMNS``
    info: dict — ``tfs`` (TF names, index order), ``match_matrix`` (T, T) bool (TF i and
        TF j match), ``pair_index`` (n_pairs, 2) int — TF indices of each pair, and
        ``matched`` (n_pairs,) bool
    """
    pairs = pairs[pairs["tf1"].str.upper() != pairs["tf2"].str.upper()].reset_index(drop=True)
    tfs = sorted(set(pairs["tf1"]) | set(pairs["tf2"]), key=str.upper)
    tf_index = {t: i for i, t in enumerate(tfs)}
    mem = _member_table(tfs, name_map)
    genes = pd.Index(pd.unique(mem["gene"].to_numpy(dtype=object))) if len(mem) else pd.Index([])
    agg = aggregate_ppi(ppi, genes)

    # Boolean TF x TF match matrix: M (T, G) member incidence, A (G, G) adjacency.
    n_t, n_g = len(tfs), len(genes)
    incidence = np.zeros((n_t, n_g), dtype=np.float64)
    if len(mem):
        incidence[mem["tf"].to_numpy(dtype=np.int64), genes.get_indexer(mem["gene"])] = 1.0
    adjacency = np.zeros((n_g, n_g), dtype=np.float64)
    if len(agg):
        i, j = genes.get_indexer(agg["g1"]), genes.get_indexer(agg["g2"])
        adjacency[i, j] = adjacency[j, i] = 1.0
    match_matrix = (incidence @ adjacency @ incidence.T) > 0
    np.fill_diagonal(match_matrix, False)
    pair_index = np.column_stack([
        pairs["tf1"].map(tf_index).to_numpy(dtype=np.int64), pairs["tf2"].map(tf_index).to_numpy(dtype=np.int64),
    ]) if len(pairs) else np.zeros((0, 2), dtype=np.int64)
    matched = match_matrix[pair_index[:, 0], pair_index[:, 1]] if len(pairs) else np.zeros(0, dtype=bool)

    # Rows: every (pair, member of tf1, member of tf2) whose genes the database links.
    rows = pd.DataFrame({"pair": np.arange(len(pairs)), "t1": pair_index[:, 0], "t2": pair_index[:, 1]})
    cand = rows.merge(mem.rename(columns={"tf": "t1", "gene": "gene1"}), on="t1")
    cand = cand.merge(mem.rename(columns={"tf": "t2", "gene": "gene2"}), on="t2")
    cand = cand[cand["gene1"] != cand["gene2"]]
    a, b = cand["gene1"].to_numpy(dtype=object), cand["gene2"].to_numpy(dtype=object)
    cand = cand.assign(g1=np.where(a < b, a, b), g2=np.where(a < b, b, a))
    hit = cand.merge(agg, on=["g1", "g2"], how="inner").sort_values(["pair", "score", "gene1", "gene2"],
                                                                      ascending=[True, False, True, True])
    p = pairs.iloc[hit["pair"].to_numpy()]
    matches = pd.DataFrame({
        "tf1": p["tf1"].to_numpy(), "tf2": p["tf2"].to_numpy(), "q": p["q"].to_numpy(), "p": p["p"].to_numpy(),
        "method": p["method"].to_numpy(), "gene1": hit["gene1"].to_numpy(), "gene2": hit["gene2"].to_numpy(),
        "score": hit["score"].to_numpy(), "n_records": hit["n_records"].to_numpy(),
        "sources": hit["sources"].to_numpy(), "publications": hit["publications"].to_numpy(),
    })[formats.PPI_MATCHES_COLUMNS]
    in_db = set(pd.unique(np.concatenate([ppi["gene_a"].to_numpy(dtype=object), ppi["gene_b"].to_numpy(dtype=object)])))
    tf_in_db = np.array([any(g in in_db for g in members(t, name_map)) for t in tfs], dtype=bool)
    info = {
        "tfs": tfs, "match_matrix": match_matrix, "pair_index": pair_index, "matched": matched,
        "tf_in_db": tf_in_db,
    }
    return matches, info


def _log_choose(n: int, k: np.ndarray) -> np.ndarray:
    return np.array([math.lgamma(n + 1) - math.lgamma(x + 1) - math.lgamma(n - x + 1) for x in k.tolist()])


def hypergeom_sf(k: int, M: int, K: int, n: int) -> float:
    """P(X >= k) for X ~ Hypergeometric(population M, K successes, n draws).

    A direct sum of log-binomials (scipy.stats costs seconds to import; this is exact
    to floating-point accuracy for the sizes here).
    """
    hi = min(n, K)
    lo = max(k, 0, n - (M - K))
    if lo > hi:
        return 0.0 if k > 0 else 1.0
    x = np.arange(lo, hi + 1)
    logp = _log_choose(K, x) + _log_choose(M - K, n - x) - _log_choose(M, np.array([n]))[0]
    top = logp.max()
    return float(min(1.0, math.exp(top) * np.exp(logp - top).sum()))


def enrichment(match_matrix: np.ndarray, pair_index: np.ndarray, n_permutations: int,
               rng: np.random.Generator, chunk: int = 256) -> dict:
    """Is the matched fraction above chance? Hypergeometric and label-permutation p-values.

    Parameters
    ----------
    match_matrix: np.ndarray, shape=(T, T), bool — TF i and TF j match the database
    pair_index: np.ndarray, shape=(n, 2), int — the predicted pairs (distinct TFs)
    n_permutations: int — label shuffles (0: skip the permutation test)

    Returns
    -------
    dict with ``universe_pairs``, ``universe_matched``, ``expected_fraction``,
    ``hypergeom_p``, ``permutation_p``, ``permutation_mean`` (None when not computed).
    """
    n = len(pair_index)
    n_t = match_matrix.shape[0]
    observed = int(match_matrix[pair_index[:, 0], pair_index[:, 1]].sum()) if n else 0
    universe = n_t * (n_t - 1) // 2
    universe_matched = int(np.triu(match_matrix, k=1).sum())
    out = {
        "universe_pairs": int(universe), "universe_matched": universe_matched,
        PPISummary.EXPECTED_FRACTION: (universe_matched / universe) if universe else None,
        "hypergeom_p": None, "permutation_p": None, "permutation_mean": None, "n_permutations": 0,
    }
    if n == 0 or universe == 0:
        return out
    # Unique unordered predicted pairs: the hypergeometric draw is without replacement.
    key = np.unique(np.sort(pair_index, axis=1), axis=0)
    k_obs = int(match_matrix[key[:, 0], key[:, 1]].sum())
    out["hypergeom_p"] = hypergeom_sf(k_obs, universe, universe_matched, len(key))
    if n_permutations > 0:
        counts = np.empty(n_permutations, dtype=np.int64)
        for s in range(0, n_permutations, chunk):
            m = min(chunk, n_permutations - s)
            perm = rng.permuted(np.tile(np.arange(n_t), (m, 1)), axis=1)  # (m, T)
            counts[s:s + m] = match_matrix[perm[:, pair_index[:, 0]], perm[:, pair_index[:, 1]]].sum(axis=1)
        out["n_permutations"] = int(n_permutations)
        out["permutation_mean"] = float(counts.mean() / n)
        out["permutation_p"] = float((1 + (counts >= observed).sum()) / (1 + n_permutations))
    return out
