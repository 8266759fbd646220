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
  them when none is significant), and the motif clusters of the two TFs
  (``cluster1``/``cluster2`` names, ``cluster1_tfs``/``cluster2_tfs`` members).
- ``cluster_interactions.tsv``: the TF pairs aggregated to unordered pairs of motif
  clusters (by cluster name): best q and its p, the TF pairs and filter pairs behind
  it. A biologist reads "a FOX factor pairs with a GATA factor".
"""

import numpy as np
import pandas as pd

from satori import formats


def cluster_maps(filter_motifs: pd.DataFrame):
    """``{filter index: cluster_name}`` and ``{cluster_name: cluster_tfs}`` for annotated filters.

    Empty when ``filter_motifs`` has no cluster columns (written before clusters existed).
    """
    if "cluster_name" not in filter_motifs.columns:
        return {}, {}
    annotated = filter_motifs[(filter_motifs["tf"] != "") & (filter_motifs["cluster_name"] != "")]
    idx = annotated["index"].astype(int)
    tfs = annotated["cluster_tfs"] if "cluster_tfs" in annotated.columns else [""] * len(annotated)
    return dict(zip(idx, annotated["cluster_name"])), dict(zip(annotated["cluster_name"], tfs))


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
    cluster_of, _ = cluster_maps(filter_motifs)
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
    out["cluster_a"] = [cluster_of.get(i, "") for i in a]
    out["cluster_b"] = [cluster_of.get(j, "") for j in b]
    return out[formats.INTERACTIONS_COLUMNS]


def tf_interactions_table(interactions: pd.DataFrame, q_threshold: float, method: str,
                          filter_motifs: pd.DataFrame = None) -> pd.DataFrame:
    """Aggregate unflagged filter pairs to unordered TF pairs.

    interactions: DataFrame with ``formats.INTERACTIONS_COLUMNS``.
    filter_motifs: the ``filter_motifs.tsv`` table (for the clusters' member TFs); None
        leaves ``cluster1_tfs``/``cluster2_tfs`` empty.
    Returns a DataFrame with columns ``formats.TF_INTERACTIONS_COLUMNS``, sorted by q.
    """
    rows = interactions[interactions["flag"] == ""]
    if rows.empty:
        return empty_tf_interactions()
    _, members = cluster_maps(filter_motifs) if filter_motifs is not None else ({}, {})
    rows = rows.sort_values(["q", "p"], kind="stable")
    ca = rows["cluster_a"] if "cluster_a" in rows.columns else [""] * len(rows)
    cb = rows["cluster_b"] if "cluster_b" in rows.columns else [""] * len(rows)
    groups = {}
    for ta, tb, p, q, d, ka, kb in zip(rows["tf_a"], rows["tf_b"], rows["p"], rows["q"], rows["distance"], ca, cb):
        key = tuple(sorted((ta.lower(), tb.lower())))
        g = groups.get(key)
        if g is None:
            # display names (and their clusters) from the best row, in the order of the case-insensitive key
            (n1, c1), (n2, c2) = sorted(((ta, ka), (tb, kb)), key=lambda nc: nc[0].lower())
            g = groups[key] = {"tf1": n1, "tf2": n2, "q": q, "p": p, "d": [], "sig": [], "c1": c1, "c2": c2}
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
            "method": method, "cluster1": g["c1"], "cluster2": g["c2"],
            "cluster1_tfs": members.get(g["c1"], ""), "cluster2_tfs": members.get(g["c2"], ""),
        })
    table = pd.DataFrame(out, columns=formats.TF_INTERACTIONS_COLUMNS)
    return table.sort_values(["q", "p", "tf1", "tf2"], kind="stable").reset_index(drop=True)


def tf_groups(filter_motifs: pd.DataFrame, n_filters: int):
    """Filters grouped by the TF they are named after (case-insensitive), for TF-level tests.

    Returns ``(groups, names, clusters)``: groups int64 (n_filters,), the group of each
    filter (-1 = unannotated); names, the TF name of each group (as first written in
    ``filter_motifs``, groups in case-insensitive name order); clusters, each group's
    cluster name ("" without cluster columns).
    """
    _, tf_of = annotation_maps(filter_motifs)
    cluster_of, _ = cluster_maps(filter_motifs)
    display, cluster = {}, {}
    for i in sorted(tf_of):
        key = tf_of[i].lower()
        display.setdefault(key, tf_of[i])
        cluster.setdefault(key, cluster_of.get(i, ""))
    keys = sorted(display)
    groups = _group_ids({i: tf.lower() for i, tf in tf_of.items()}, keys, n_filters)
    return groups, [display[k] for k in keys], [cluster[k] for k in keys]


def _group_ids(key_of: dict, keys, n_filters: int) -> np.ndarray:
    """int64 (n_filters,): the position in ``keys`` of each filter's key (``key_of``), -1 = none."""
    index = {k: g for g, k in enumerate(keys)}
    groups = np.full(n_filters, -1, dtype=np.int64)
    for i, k in key_of.items():
        groups[i] = index[k]
    return groups


def tf_pooled_table(tests: pd.DataFrame, names, clusters, interactions: pd.DataFrame, q_threshold: float,
                    method: str, filter_motifs: pd.DataFrame = None) -> pd.DataFrame:
    """``tf_interactions.tsv`` from tests of TF pairs (filters pooled by TF, ``tf_groups``).

    tests: ``interpret.stats.compare_pairs`` over the TF groups (filter_a/filter_b = group
        ids, a != b); its p, q (BH over the TF pairs tested) and distance become the TF
        pair's. names, clusters: of each group (``tf_groups``).
    interactions: the filter-level table (``interactions_table``): ``n_filter_pairs`` and
        ``n_significant`` count its unflagged rows of the TF pair and those with
        q < ``q_threshold``.
    Returns a DataFrame with columns ``formats.TF_INTERACTIONS_COLUMNS``, sorted by q.
    """
    if tests.empty:
        return empty_tf_interactions()
    _, members = cluster_maps(filter_motifs) if filter_motifs is not None else ({}, {})
    rows = interactions[interactions["flag"] == ""]
    keys = [tuple(sorted((a.lower(), b.lower()))) for a, b in zip(rows["tf_a"], rows["tf_b"])]
    n_pairs = pd.Series(1, index=keys).groupby(level=0).sum().to_dict() if keys else {}
    n_sig = pd.Series((rows["q"] < q_threshold).astype(int).to_numpy(), index=keys).groupby(level=0).sum().to_dict() if keys else {}
    out = []
    for a, b, p, q, d in zip(tests["filter_a"].astype(int), tests["filter_b"].astype(int), tests["p"], tests["q"], tests["distance"]):
        (n1, c1), (n2, c2) = sorted(((names[a], clusters[a]), (names[b], clusters[b])), key=lambda nc: nc[0].lower())
        key = (n1.lower(), n2.lower())
        out.append({
            "tf1": n1, "tf2": n2, "q": q, "p": p,
            "n_filter_pairs": int(n_pairs.get(key, 0)), "n_significant": int(n_sig.get(key, 0)),
            "median_distance": float(d), "method": method, "cluster1": c1, "cluster2": c2,
            "cluster1_tfs": members.get(c1, ""), "cluster2_tfs": members.get(c2, ""),
        })
    table = pd.DataFrame(out, columns=formats.TF_INTERACTIONS_COLUMNS)
    return table.sort_values(["q", "p", "tf1", "tf2"], kind="stable").reset_index(drop=True)


def cluster_groups(filter_motifs: pd.DataFrame, n_filters: int):
    """Filters grouped by motif cluster (``cluster_name``), for cluster-level tests.

    Returns ``(groups, names)``: groups int64 (n_filters,), -1 = no cluster; names, the
    cluster names in sorted order. Both empty-handed (all -1, []) without cluster columns.
    """
    cluster_of, _ = cluster_maps(filter_motifs)
    names = sorted(set(cluster_of.values()))
    return _group_ids(cluster_of, names, n_filters), names


def cluster_pooled_table(tests: pd.DataFrame, names, tf_interactions: pd.DataFrame, q_threshold: float,
                         method: str, filter_motifs: pd.DataFrame = None) -> pd.DataFrame:
    """``cluster_interactions.tsv`` from tests of cluster pairs (filters pooled by cluster).

    tests: ``interpret.stats.compare_pairs`` over the cluster groups (``cluster_groups``;
        a != b): p, q (BH over the cluster pairs tested) and distance are the pair's own.
    tf_interactions: the TF table; its aggregate (``cluster_interactions_table``) gives
        ``n_tf_pairs``, ``n_filter_pairs``, ``n_significant`` (TF pairs with q <
        ``q_threshold``) and ``tf_pairs``.
    Returns a DataFrame with columns ``formats.CLUSTER_INTERACTIONS_COLUMNS``, sorted by q.
    """
    if tests.empty:
        return empty_cluster_interactions()
    _, members = cluster_maps(filter_motifs) if filter_motifs is not None else ({}, {})
    agg = cluster_interactions_table(tf_interactions, q_threshold, method)
    by_key = {(r.cluster1, r.cluster2): r for r in agg.itertuples(index=False)}
    out = []
    for a, b, p, q, d in zip(tests["filter_a"].astype(int), tests["filter_b"].astype(int), tests["p"], tests["q"], tests["distance"]):
        c1, c2 = sorted((names[a], names[b]))
        r = by_key.get((c1, c2))
        out.append({
            "cluster1": c1, "cluster2": c2, "q": q, "p": p,
            "n_tf_pairs": int(r.n_tf_pairs) if r is not None else 0,
            "n_filter_pairs": int(r.n_filter_pairs) if r is not None else 0,
            "n_significant": int(r.n_significant) if r is not None else 0,
            "median_distance": float(d), "cluster1_tfs": members.get(c1, ""), "cluster2_tfs": members.get(c2, ""),
            "tf_pairs": r.tf_pairs if r is not None else "", "method": method,
        })
    table = pd.DataFrame(out, columns=formats.CLUSTER_INTERACTIONS_COLUMNS)
    return table.sort_values(["q", "p", "cluster1", "cluster2"], kind="stable").reset_index(drop=True)


def cluster_interactions_table(tf_interactions: pd.DataFrame, q_threshold: float, method: str) -> pd.DataFrame:
    """Aggregate TF pairs to unordered motif-cluster pairs (by cluster name).

    tf_interactions: DataFrame with ``formats.TF_INTERACTIONS_COLUMNS`` (rows without
        both cluster names are left out). ``n_significant`` counts the TF pairs with
        q < ``q_threshold``; ``n_filter_pairs`` sums theirs; the median distance is over
        the TF pairs' medians (the significant ones, or all when none is).
    Returns a DataFrame with columns ``formats.CLUSTER_INTERACTIONS_COLUMNS``, sorted by q.
    """
    if tf_interactions.empty or "cluster1" not in tf_interactions.columns:
        return empty_cluster_interactions()
    rows = tf_interactions[(tf_interactions["cluster1"].fillna("") != "") & (tf_interactions["cluster2"].fillna("") != "")]
    if rows.empty:
        return empty_cluster_interactions()
    rows = rows.sort_values(["q", "p"], kind="stable")
    groups = {}
    for r in rows.itertuples(index=False):
        pair = sorted(((r.cluster1, r.cluster1_tfs, r.tf1), (r.cluster2, r.cluster2_tfs, r.tf2)), key=lambda x: x[0])
        key = (pair[0][0], pair[1][0])
        g = groups.get(key)
        if g is None:
            g = groups[key] = {"cluster1": key[0], "cluster2": key[1], "q": r.q, "p": r.p, "n_filter_pairs": 0,
                               "d": [], "sig": [], "tfs1": pair[0][1], "tfs2": pair[1][1], "tf_pairs": []}
        g["n_filter_pairs"] += int(r.n_filter_pairs)
        g["d"].append(float(r.median_distance))
        g["sig"].append(float(r.q) < q_threshold)
        g["tf_pairs"].append(f"{pair[0][2]}+{pair[1][2]}")
    out = []
    for g in groups.values():
        d, sig = np.asarray(g["d"], dtype=np.float64), np.asarray(g["sig"])
        chosen = d[sig] if sig.any() else d
        chosen = chosen[np.isfinite(chosen)]
        out.append({
            "cluster1": g["cluster1"], "cluster2": g["cluster2"], "q": g["q"], "p": g["p"],
            "n_tf_pairs": len(d), "n_filter_pairs": g["n_filter_pairs"], "n_significant": int(sig.sum()),
            "median_distance": float(np.median(chosen)) if len(chosen) else np.nan,
            "cluster1_tfs": g["tfs1"], "cluster2_tfs": g["tfs2"], "tf_pairs": ";".join(g["tf_pairs"]),
            "method": method,
        })
    table = pd.DataFrame(out, columns=formats.CLUSTER_INTERACTIONS_COLUMNS)
    return table.sort_values(["q", "p", "cluster1", "cluster2"], kind="stable").reset_index(drop=True)


def empty_cluster_interactions() -> pd.DataFrame:
    """A ``cluster_interactions.tsv`` with the header only."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in formats.CLUSTER_INTERACTIONS_COLUMNS})


def empty_interactions() -> pd.DataFrame:
    """An ``interactions.tsv`` with the header only."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in formats.INTERACTIONS_COLUMNS})


def empty_tf_interactions() -> pd.DataFrame:
    """A ``tf_interactions.tsv`` with the header only."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in formats.TF_INTERACTIONS_COLUMNS})
