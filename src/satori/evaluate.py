"""Score inferred TF interactions against a known truth (a simulation's ``pairs.tsv``).

Pairs are unordered and compared by TF name, case-insensitively; a heterodimer name
such as ``MAX::MYC`` is one name (not split). Same-TF pairs are ignored on both sides.
A TF pair is predicted when its q < ``q_threshold``. A satori-implant ``implant.tsv``
is read the same way, its q taken where the cooperativity is positive (``implant_q``;
or a cooperativity cut instead). Precision = TP / (TP + FP)
(0 when nothing is predicted), recall = TP / (TP + FN) (0 when the truth is empty),
F1 their harmonic mean (0 when both are 0). The precision-recall curve sweeps the
threshold over every distinct q in the table (predicted = q <= threshold) and
``average_precision`` is the step-wise area under it, sum of (R_k - R_k-1) * P_k.

Two settings of the motif database give two honest numbers (``--db-label`` records
which): filters named against the full JASPAR collection (the default of
satori-filter-motifs; a filter can match any of ~900 motifs, so mismatches cost
precision and recall) and against the simulation's own ``motifs.meme`` (the paper's
setting; only the planted TFs can be named, which flatters precision).

Cluster level (when the table has the ``cluster1``/``cluster2``/``cluster1_tfs``/
``cluster2_tfs`` columns of satori-filter-motifs' motif clusters): the TF pairs are
merged to unordered pairs of cluster names (best q), and a predicted cluster pair
matches a true pair (x, y) when one side's cluster holds x and the other's holds y
(member TFs, case-insensitive). Precision = predicted cluster pairs that match some
true pair / predicted cluster pairs; recall = true pairs matched by some predicted
cluster pair / true pairs.

Random baseline, beside both levels: the expected precision, recall and F1 of the
same number of pairs drawn at random (without replacement, seeded Monte Carlo,
``n_draws`` draws) from all unordered pairs of the names in the table — distinct
named TFs at exact level, named clusters (a cluster with itself included) at cluster
level. Cluster credit is generous (a big cluster matches many TFs); the baseline says
how generous, so a result is read against it.
"""

from typing import Iterable, List, Set, Tuple

import numpy as np
import pandas as pd

from satori.errors import InputError
from satori.tsv import read_tsv

Pair = Tuple[str, str]


def normalise_pair(a: str, b: str) -> Pair:
    """Unordered, case-insensitive pair key: the two names lower-cased and sorted."""
    x, y = str(a).strip().lower(), str(b).strip().lower()
    return (x, y) if x <= y else (y, x)


def read_truth(path) -> Set[Pair]:
    """The true TF pairs of a ``pairs.tsv`` (columns ``tf1``, ``tf2``), same-TF pairs dropped."""
    df = read_tsv(path, "truth pairs table", ["tf1", "tf2"], flag="--truth")
    pairs = {normalise_pair(a, b) for a, b in zip(df["tf1"], df["tf2"])}
    bad = [p for p in pairs if not p[0] or not p[1]]
    if bad:
        raise InputError(f"{path}: empty TF name in a pair (--truth)")
    return {p for p in pairs if p[0] != p[1]}


def implant_q(df: pd.DataFrame, min_cooperativity=None) -> np.ndarray:
    """The q an ``implant.tsv`` (satori-implant) is evaluated by, one per row.

    Default: the implantation q where the cooperativity is positive, else 1 (a pair the
    model needs apart is no interaction found). With ``min_cooperativity`` (a score
    cut): 0 where cooperativity >= it, else 1, so "predicted" means above the cut.
    """
    coop = pd.to_numeric(df["cooperativity"], errors="coerce").fillna(-np.inf).to_numpy(dtype=np.float64)
    if min_cooperativity is not None:
        return np.where(coop >= float(min_cooperativity), 0.0, 1.0)
    q = pd.to_numeric(df["q"], errors="coerce").fillna(1.0).to_numpy(dtype=np.float64)
    return np.where(coop > 0, q, 1.0)


def read_predictions(path, min_cooperativity=None) -> pd.DataFrame:
    """A ``tf_interactions.tsv`` (or an ``implant.tsv``) as one row per normalised TF pair:
    ``pair`` and its best ``q``.

    Empty or unparsable q values count as 1 (never predicted). Same-TF rows are dropped.
    A table with a ``cooperativity`` column is satori-implant's: its q is ``implant_q``
    (``min_cooperativity``: a score cut instead of q; only for such a table).
    """
    df = read_tsv(path, "TF interaction table", ["tf1", "tf2", "q"], flag="--interactions")
    is_implant = "cooperativity" in df.columns
    if min_cooperativity is not None and not is_implant:
        raise InputError(f"--min-cooperativity: {path} has no cooperativity column (only satori-implant's "
                         "implant.tsv has one)")
    if is_implant:
        q = implant_q(df, min_cooperativity)
    else:
        q = pd.to_numeric(df["q"], errors="coerce").fillna(1.0).to_numpy(dtype=np.float64)
    pairs = [normalise_pair(a, b) for a, b in zip(df["tf1"], df["tf2"])]
    out = pd.DataFrame({"pair": pd.Series(pairs, dtype=object), "q": q})
    keep = np.array([a != b and a != "" for a, b in out["pair"]], dtype=bool)
    out = out[keep]
    methods = sorted(set(df["method"])) if "method" in df.columns else (["implant"] if is_implant else [])
    out = out.groupby("pair", sort=False, as_index=False)["q"].min()
    out.attrs["methods"] = [m for m in methods if m]
    return out


def _prf(tp: int, fp: int, fn: int):
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _sorted(pairs: Iterable[Pair]) -> List[List[str]]:
    return [list(p) for p in sorted(pairs)]


def evaluate(predictions: pd.DataFrame, truth: Set[Pair], q_threshold: float = 0.05) -> dict:
    """Precision, recall, F1, TP/FP/FN lists and the PR curve.

    predictions: DataFrame from ``read_predictions`` (``pair``, ``q``).
    truth: set of normalised pairs (``read_truth``).
    Returns a JSON-ready dict.
    """
    if not 0 < q_threshold <= 1:
        raise InputError(f"--q-threshold {q_threshold}: must be in (0, 1]")
    q_of = dict(zip(predictions["pair"], predictions["q"]))
    predicted = {p for p, q in q_of.items() if q < q_threshold}
    tp, fp, fn = predicted & truth, predicted - truth, truth - predicted
    precision, recall, f1 = _prf(len(tp), len(fp), len(fn))

    curve, ap, prev_recall = [], 0.0, 0.0
    for t in np.unique(predictions["q"].to_numpy()):
        chosen = {p for p, q in q_of.items() if q <= t}
        hits = len(chosen & truth)
        p_t, r_t, f_t = _prf(hits, len(chosen) - hits, len(truth) - hits)
        curve.append({"q": float(t), "n_predicted": len(chosen), "tp": hits,
                      "precision": p_t, "recall": r_t, "f1": f_t})
        ap += (r_t - prev_recall) * p_t
        prev_recall = r_t
    return {
        "q_threshold": q_threshold,
        "n_truth": len(truth),
        "n_tested": len(q_of),
        "n_truth_tested": len(truth & set(q_of)),
        "n_predicted": len(predicted),
        "n_tp": len(tp), "n_fp": len(fp), "n_fn": len(fn),
        "precision": precision, "recall": recall, "f1": f1,
        "average_precision": ap,
        "tp": _sorted(tp), "fp": _sorted(fp), "fn": _sorted(fn),
        "pr_curve": curve,
    }


def _members(text) -> frozenset:
    return frozenset(t.strip().lower() for t in str(text).split(",") if t.strip())


def _cluster_frame(best: dict) -> pd.DataFrame:
    """``{(cluster1, cluster2): (q, (members1, members2))}`` -> the cluster-level predictions frame."""
    return pd.DataFrame({"pair": pd.Series(list(best), dtype=object),
                         "q": [v[0] for v in best.values()],
                         "members": pd.Series([v[1] for v in best.values()], dtype=object)})


def read_cluster_predictions(path) -> pd.DataFrame:
    """A ``tf_interactions.tsv`` merged to unordered cluster pairs, or None without cluster columns.

    Returns a DataFrame with ``pair`` (sorted tuple of the two cluster names), ``q``
    (best over its TF pairs; empty or unparsable = 1) and ``members`` (tuple of two
    frozensets of lower-cased member TFs, in the order of ``pair``).
    """
    df = read_tsv(path, "TF interaction table", ["tf1", "tf2", "q"], flag="--interactions")
    needed = ["cluster1", "cluster2", "cluster1_tfs", "cluster2_tfs"]
    if any(c not in df.columns for c in needed):
        return None
    q = pd.to_numeric(df["q"], errors="coerce").fillna(1.0).to_numpy(dtype=np.float64)
    best = {}
    for i, (t1, t2, c1, c2, m1, m2) in enumerate(zip(df["tf1"], df["tf2"], *(df[c] for c in needed))):
        if not c1 or not c2 or str(t1).strip().lower() == str(t2).strip().lower():
            continue
        (c1, m1), (c2, m2) = sorted(((c1, _members(m1) | {str(t1).strip().lower()}),
                                     (c2, _members(m2) | {str(t2).strip().lower()})), key=lambda x: x[0])
        key = (c1, c2)
        old = best.get(key)
        members = (m1, m2) if old is None else (old[1][0] | m1, old[1][1] | m2)
        best[key] = (min(q[i], old[0]) if old else q[i], members)
    return _cluster_frame(best)


def read_cluster_table(path) -> pd.DataFrame:
    """A ``cluster_interactions.tsv`` as cluster-level predictions (its own q per cluster pair).

    Returns the ``read_cluster_predictions`` form: ``pair`` (sorted cluster names), ``q``
    (empty or unparsable = 1), ``members`` (the two clusters' lower-cased member TFs).
    Rows of a cluster with itself are left out.
    """
    df = read_tsv(path, "cluster interaction table", ["cluster1", "cluster2", "q", "cluster1_tfs", "cluster2_tfs"],
                  flag="--clusters")
    q = pd.to_numeric(df["q"], errors="coerce").fillna(1.0).to_numpy(dtype=np.float64)
    best = {}
    for i, (c1, c2, m1, m2) in enumerate(zip(df["cluster1"], df["cluster2"], df["cluster1_tfs"], df["cluster2_tfs"])):
        if not c1 or not c2 or c1 == c2:
            continue
        (c1, m1), (c2, m2) = sorted(((c1, _members(m1)), (c2, _members(m2))), key=lambda x: x[0])
        old = best.get((c1, c2))
        if old is None or q[i] < old[0]:
            best[(c1, c2)] = (q[i], (m1, m2))
    return _cluster_frame(best)


def _covers(members, truth: List[Pair]) -> np.ndarray:
    """Boolean (len(truth),): which true pairs the cluster pair with these member sets matches."""
    a, b = members
    return np.array([(x in a and y in b) or (y in a and x in b) for x, y in truth], dtype=bool)


def _random_baseline(coverage: np.ndarray, n_truth: int, n_pick: int, n_draws: int, seed: int) -> dict:
    """Expected P/R/F1 of ``n_pick`` random candidates; coverage (n_candidates, n_truth) bool."""
    n_cand = coverage.shape[0]
    out = {"n_candidates": int(n_cand), "n_pairs": int(n_pick), "n_draws": int(n_draws), "seed": int(seed)}
    if n_pick == 0 or n_cand == 0 or n_truth == 0:
        return dict(out, precision=0.0, recall=0.0, f1=0.0)
    n_pick = min(n_pick, n_cand)
    rng = np.random.default_rng(seed)
    hits_per_candidate = coverage.any(axis=1)
    ps, rs, fs = [], [], []
    for _ in range(n_draws):
        pick = rng.choice(n_cand, size=n_pick, replace=False)
        tp = int(hits_per_candidate[pick].sum())
        found = int(coverage[pick].any(axis=0).sum())
        p = tp / n_pick
        r = found / n_truth
        ps.append(p)
        rs.append(r)
        fs.append(2 * p * r / (p + r) if p + r else 0.0)
    return dict(out, precision=float(np.mean(ps)), recall=float(np.mean(rs)), f1=float(np.mean(fs)))


def exact_baseline(predictions: pd.DataFrame, truth: Set[Pair], n_pick: int, n_draws: int = 1000,
                   seed: int = 0) -> dict:
    """Random-pair baseline at exact level: pairs of distinct TF names of the table."""
    names = sorted({n for pair in predictions["pair"] for n in pair})
    truth_list = sorted(truth)
    index = {t: i for i, t in enumerate(truth_list)}
    cand = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    coverage = np.zeros((len(cand), len(truth_list)), dtype=bool)
    for k, c in enumerate(cand):
        if c in index:
            coverage[k, index[c]] = True
    return _random_baseline(coverage, len(truth_list), n_pick, n_draws, seed)


def evaluate_clusters(predictions: pd.DataFrame, truth: Set[Pair], q_threshold: float = 0.05,
                      n_draws: int = 1000, seed: int = 0) -> dict:
    """Cluster-level precision, recall, F1 (module docstring) and the random baseline.

    predictions: DataFrame from ``read_cluster_predictions``. Returns a JSON-ready dict.
    """
    truth_list = sorted(truth)
    predicted = predictions[predictions["q"] < q_threshold]
    covers = [_covers(m, truth_list) for m in predicted["members"]]
    cov = np.array(covers, dtype=bool).reshape(len(covers), len(truth_list))
    tp_pairs = [list(p) for p, c in zip(predicted["pair"], cov) if c.any()]
    fp_pairs = [list(p) for p, c in zip(predicted["pair"], cov) if not c.any()]
    found = cov.any(axis=0) if len(cov) else np.zeros(len(truth_list), dtype=bool)
    precision = len(tp_pairs) / len(predicted) if len(predicted) else 0.0
    recall = float(found.sum()) / len(truth_list) if truth_list else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    # the baseline's candidates: every unordered pair of named clusters (with itself)
    clusters = {}
    for pair, members in zip(predictions["pair"], predictions["members"]):
        for name, m in zip(pair, members):
            clusters[name] = clusters.get(name, frozenset()) | m
    names = sorted(clusters)
    cand = [(clusters[a], clusters[b]) for i, a in enumerate(names) for b in names[i:]]
    coverage = np.array([_covers(m, truth_list) for m in cand], dtype=bool).reshape(len(cand), len(truth_list))
    return {
        "n_clusters": len(names),
        "n_tested": int(len(predictions)),
        "n_predicted": int(len(predicted)),
        "n_tp": len(tp_pairs), "n_fp": len(fp_pairs),
        "n_truth_found": int(found.sum()), "n_fn": int(len(truth_list) - found.sum()),
        "precision": precision, "recall": recall, "f1": f1,
        "tp": sorted(tp_pairs), "fp": sorted(fp_pairs),
        "fn": [list(t) for t, f in zip(truth_list, found) if not f],
        "random_baseline": _random_baseline(coverage, len(truth_list), len(predicted), n_draws, seed),
    }


__all__ = ["normalise_pair", "read_truth", "read_predictions", "implant_q", "read_cluster_predictions",
           "read_cluster_table", "evaluate",
           "evaluate_clusters", "exact_baseline"]
