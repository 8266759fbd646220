"""Output tables of every interpreter: ``interactions.tsv`` and ``tf_interactions.tsv``.

- ``interactions.tsv``: one row per tested filter pair (``formats.INTERACTIONS_COLUMNS``),
  filters named ``filterN`` and mapped to their motif and TF through
  ``filter_motifs.tsv``. Rows that cannot name a TF pair are kept but flagged
  (``flag``, comma-joined): ``unannotated`` (a filter has no match), ``same_tf`` (both
  filters match the same TF, case-insensitive), ``same_filter`` (a filter with itself,
  at two positions).
- ``tf_interactions.tsv``: the unflagged rows aggregated to unordered, case-insensitive
  TF pairs (heterodimer names such as ``MAX::MYC`` are one name):
  best q (and the p of that row), number of filter pairs, number of them with
  q < ``q_threshold``, median distance (over the significant filter pairs, or all of
  them when none is significant).
"""

import numpy as np
import pandas as pd

from satori import formats


def annotation_maps(filter_motifs: pd.DataFrame):
    """``{filter index: motif_id}`` and ``{filter index: tf}`` for annotated filters."""
    annotated = filter_motifs[(filter_motifs["tf"] != "") & (filter_motifs["motif_id"] != "")]
    idx = annotated["index"].astype(int)
    return dict(zip(idx, annotated["motif_id"])), dict(zip(idx, annotated["tf"]))


def interactions_table(tests: pd.DataFrame, filter_motifs: pd.DataFrame, method: str) -> pd.DataFrame:
    """Name, annotate and flag the tested filter pairs.

    tests: DataFrame from ``interpret.stats.compare_pairs`` (filter_a/filter_b as integers).
    filter_motifs: DataFrame from ``motifs.tomtom.read_filter_motifs`` (with ``index``).
    method: recorded in the ``method`` column (``attn-raw``, ``attn-attr``, ``dfim``).

    Returns a DataFrame with columns ``formats.INTERACTIONS_COLUMNS`` in ``tests``' order.
    """
    motif_of, tf_of = annotation_maps(filter_motifs)
    a = tests["filter_a"].astype(int).to_numpy()
    b = tests["filter_b"].astype(int).to_numpy()
    tf_a = [tf_of.get(i, "") for i in a]
    tf_b = [tf_of.get(i, "") for i in b]
    flags = []
    for i, j, ta, tb in zip(a, b, tf_a, tf_b):
        f = []
        if not ta or not tb:
            f.append(formats.FLAG_UNANNOTATED)
        elif ta.lower() == tb.lower():
            f.append(formats.FLAG_SAME_TF)
        if i == j:
            f.append(formats.FLAG_SAME_FILTER)
        flags.append(",".join(f))
    out = pd.DataFrame({
        "filter_a": [f"filter{i}" for i in a],
        "filter_b": [f"filter{j}" for j in b],
        "motif_a": [motif_of.get(i, "") for i in a],
        "tf_a": tf_a,
        "motif_b": [motif_of.get(j, "") for j in b],
        "tf_b": tf_b,
    })
    for col in ("n_fg", "n_bg", "n_fg_present", "n_bg_present"):
        out[col] = tests[col].astype(np.int64).to_numpy()
    for col in ("median_fg", "median_bg", "distance", "p", "q"):
        out[col] = tests[col].astype(np.float64).to_numpy()
    out["flag"] = flags
    out["method"] = method
    return out[formats.INTERACTIONS_COLUMNS]


def tf_interactions_table(interactions: pd.DataFrame, q_threshold: float, method: str) -> pd.DataFrame:
    """Aggregate unflagged filter pairs to unordered TF pairs.

    interactions: DataFrame with ``formats.INTERACTIONS_COLUMNS``.
    Returns a DataFrame with columns ``formats.TF_INTERACTIONS_COLUMNS``, sorted by q.
    """
    rows = interactions[interactions["flag"] == ""]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in formats.TF_INTERACTIONS_COLUMNS})
    rows = rows.sort_values(["q", "p"], kind="stable")
    groups = {}
    for ta, tb, p, q, d in zip(rows["tf_a"], rows["tf_b"], rows["p"], rows["q"], rows["distance"]):
        key = tuple(sorted((ta.lower(), tb.lower())))
        g = groups.get(key)
        if g is None:
            # display names from the best row, in the order of the case-insensitive key
            names = sorted((ta, tb), key=str.lower)
            g = groups[key] = {"tf1": names[0], "tf2": names[1], "q": q, "p": p, "d": [], "sig": []}
        g["d"].append(d)
        g["sig"].append(q < q_threshold)
    out = []
    for g in groups.values():
        d, sig = np.asarray(g["d"], dtype=np.float64), np.asarray(g["sig"])
        chosen = d[sig] if sig.any() else d
        chosen = chosen[np.isfinite(chosen)]
        out.append({
            "tf1": g["tf1"], "tf2": g["tf2"], "q": g["q"], "p": g["p"],
            "n_filter_pairs": len(d), "n_significant": int(sig.sum()),
            "median_distance": float(np.median(chosen)) if len(chosen) else np.nan,
            "method": method,
        })
    table = pd.DataFrame(out, columns=formats.TF_INTERACTIONS_COLUMNS)
    return table.sort_values(["q", "p", "tf1", "tf2"], kind="stable").reset_index(drop=True)


def empty_interactions() -> pd.DataFrame:
    """An ``interactions.tsv`` with the header only."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in formats.INTERACTIONS_COLUMNS})


def empty_tf_interactions() -> pd.DataFrame:
    """A ``tf_interactions.tsv`` with the header only."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in formats.TF_INTERACTIONS_COLUMNS})
