"""Score inferred TF interactions against a known truth (a simulation's ``pairs.tsv``).

Pairs are unordered and compared by TF name, case-insensitively; a heterodimer name
such as ``MAX::MYC`` is one name (not split). Same-TF pairs are ignored on both sides.
A TF pair is predicted when its q < ``q_threshold``. Precision = TP / (TP + FP)
(0 when nothing is predicted), recall = TP / (TP + FN) (0 when the truth is empty),
F1 their harmonic mean (0 when both are 0). The precision-recall curve sweeps the
threshold over every distinct q in the table (predicted = q <= threshold) and
``average_precision`` is the step-wise area under it, sum of (R_k - R_k-1) * P_k.

Two settings of the motif database give two honest numbers (``--db-label`` records
which): filters named against the full JASPAR collection (the default of
satori-filter-motifs; a filter can match any of ~900 motifs, so mismatches cost
precision and recall) and against the simulation's own ``motifs.meme`` (the paper's
setting; only the planted TFs can be named, which flatters precision).
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


def read_predictions(path) -> pd.DataFrame:
    """A ``tf_interactions.tsv`` as one row per normalised TF pair: ``pair`` and its best ``q``.

    Empty or unparsable q values count as 1 (never predicted). Same-TF rows are dropped.
    """
    df = read_tsv(path, "TF interaction table", ["tf1", "tf2", "q"], flag="--interactions")
    q = pd.to_numeric(df["q"], errors="coerce").fillna(1.0).to_numpy(dtype=np.float64)
    pairs = [normalise_pair(a, b) for a, b in zip(df["tf1"], df["tf2"])]
    out = pd.DataFrame({"pair": pd.Series(pairs, dtype=object), "q": q})
    keep = np.array([a != b and a != "" for a, b in out["pair"]], dtype=bool)
    out = out[keep]
    methods = sorted(set(df["method"])) if "method" in df.columns else []
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


__all__ = ["normalise_pair", "read_truth", "read_predictions", "evaluate"]
