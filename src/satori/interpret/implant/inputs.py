"""What satori-implant tests: the pairs, each TF's motif, the backgrounds, the instances.

- Pairs (``choose_pairs``): ``predicted`` = the TF pairs of ``tf_interactions.tsv`` with
  q < ``q_threshold`` plus as many controls (``n_controls``; -1 = as many as there are
  significant pairs), drawn (seeded) from the other unordered pairs of named TFs — pairs
  tested and not significant, and pairs of named TFs the interpreter did not test;
  ``all`` = every unordered pair of distinct TF names in ``filter_motifs.tsv``. Same-TF
  pairs are never tested. ``control`` = 1 marks a pair that is not significant.
- Motifs (``match_motifs``): a TF's motif is the database motif its best filter
  (lowest TomTom q in ``filter_motifs.tsv``) was named after, looked up by motif id;
  failing that, the database motif whose name is the TF name (case-insensitive).
  The database (``load_motif_db``) is ``--motif-db``, or else the one satori-filter-motifs
  used, read from the ``params.json`` next to ``filter_motifs.tsv``.
- Backgrounds (``choose_backgrounds``): ``shuffled`` = dinucleotide shuffles
  (tangermeme, seeded) of labelled-positive sequences of the split; ``negatives`` =
  sequences of the split with no positive label. ``n`` of them, a seeded sample.
- Instances (``tf_instances``): one per TF and background; ``sampled`` = PWM samples
  scoring >= half the maximum log-odds (``satori.simulate.sample.sample_instances``,
  the simulator's sampler, against the backgrounds' base frequencies); ``consensus`` =
  the most probable base at each position, the same for every background.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from satori.errors import InputError
from satori.evaluate import normalise_pair
from satori.motifs.io import Motif, read_motifs
from satori.tsv import read_tsv

log = logging.getLogger("satori")

PAIR_MODES = ("predicted", "all")
BACKGROUND_MODES = ("shuffled", "negatives")
INSTANCE_MODES = ("sampled", "consensus")


@dataclass
class NamedTF:
    """A TF named in filter_motifs.tsv: its name as written, the motif id of its best
    filter and that filter's motif-cluster name ('' when none)."""

    name: str
    motif_id: str
    cluster: str


def named_tfs(filter_motifs: pd.DataFrame) -> Dict[str, NamedTF]:
    """Lower-cased TF name -> ``NamedTF`` (the filter with the lowest q names it)."""
    df = filter_motifs[filter_motifs["tf"].astype(str).str.strip() != ""].copy()
    q = pd.to_numeric(df["q"], errors="coerce").fillna(1.0) if "q" in df.columns else pd.Series(0.0, index=df.index)
    df = df.assign(_q=q.to_numpy()).sort_values(["_q", "index"], kind="stable")
    out: Dict[str, NamedTF] = {}
    for _, row in df.iterrows():
        key = str(row["tf"]).strip().lower()
        if key not in out:
            out[key] = NamedTF(str(row["tf"]).strip(), str(row["motif_id"]).strip(), str(row.get("cluster_name", "")))
    return out


def read_tf_interactions(path) -> pd.DataFrame:
    """One row per unordered TF pair of a ``tf_interactions.tsv``: ``key`` (normalised
    pair), ``tf1``, ``tf2`` as written (first row's order) and its best ``q`` (empty = 1)."""
    df = read_tsv(path, "TF interaction table", ["tf1", "tf2", "q"], flag="--interactions")
    q = pd.to_numeric(df["q"], errors="coerce").fillna(1.0).to_numpy(dtype=np.float64)
    rows = {}
    for t1, t2, qi in zip(df["tf1"].str.strip(), df["tf2"].str.strip(), q):
        if not t1 or not t2 or t1.lower() == t2.lower():
            continue
        key = normalise_pair(t1, t2)
        if key not in rows or qi < rows[key][2]:
            rows[key] = (t1, t2, qi) if key not in rows else (rows[key][0], rows[key][1], qi)
    return pd.DataFrame([(k, a, b, qq) for k, (a, b, qq) in rows.items()], columns=["key", "tf1", "tf2", "q"])


def choose_pairs(interactions: pd.DataFrame, tfs: Dict[str, NamedTF], mode: str = "predicted",
                 q_threshold: float = 0.05, n_controls: int = -1, max_pairs: int = 0, seed: int = 0) -> pd.DataFrame:
    """The pairs to implant (module docstring).

    Returns a DataFrame with ``tf1``, ``tf2`` (spelled as in filter_motifs.tsv, in the
    interactions table's order), ``attention_q`` (NaN when the pair is not in the table)
    and ``control`` (0/1): significant pairs first (by q), then the controls.
    ``max_pairs`` > 0 keeps the first that many significant pairs and as many controls
    as the rule gives for them, within ``max_pairs`` in total.
    """
    if mode not in PAIR_MODES:
        raise InputError(f"--pairs {mode}: expected one of {', '.join(PAIR_MODES)}")
    q_of = dict(zip(interactions["key"], interactions["q"]))
    order_of = {k: (a, b) for k, a, b in zip(interactions["key"], interactions["tf1"], interactions["tf2"])}
    sig = interactions[interactions["q"] < q_threshold].sort_values(["q", "key"], kind="stable")
    sig_keys = list(sig["key"])
    names = sorted(tfs)
    universe = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    sig_set = set(sig_keys)
    others = [k for k in universe if k not in sig_set]
    if mode == "all":
        keys = sig_keys + others
        if max_pairs > 0:
            keys = keys[:max_pairs]
    else:
        if max_pairs > 0:
            sig_keys = sig_keys[:max(1, max_pairs // 2) if n_controls != 0 else max_pairs]
        want = len(sig_keys) if n_controls < 0 else n_controls
        if max_pairs > 0:
            want = min(want, max_pairs - len(sig_keys))
        rng = np.random.default_rng([seed, 1801])
        pick = rng.choice(len(others), size=min(want, len(others)), replace=False) if others and want > 0 else []
        keys = sig_keys + [others[i] for i in sorted(int(i) for i in pick)]
    rows = []
    for k in keys:
        a, b = order_of.get(k, k)
        # one spelling per TF: filter_motifs.tsv's (the table's order of the two kept)
        a, b = (tfs[x.lower()].name if x.lower() in tfs else x for x in (a, b))
        q = q_of.get(k, np.nan)
        rows.append((a, b, q, 0 if (q == q and q < q_threshold) else 1))
    return pd.DataFrame(rows, columns=["tf1", "tf2", "attention_q", "control"])


def load_motif_db(motif_db: Optional[str], filter_motifs_path) -> Tuple[List[Motif], str]:
    """The motif database: ``motif_db`` if given, else the one recorded by satori-filter-motifs.

    The record is the ``params.json`` beside ``filter_motifs.tsv`` (its ``options``:
    ``motif_db``, or the bundled JASPAR release/collection/tax group). Returns
    ``(motifs, label)``. Raises InputError when nothing says which database was used.
    """
    if motif_db:
        return read_motifs(motif_db), str(motif_db)
    params = Path(filter_motifs_path).parent / "params.json"
    try:
        options = json.loads(params.read_text(encoding="utf-8")).get("options", {})
    except (OSError, ValueError, AttributeError):
        raise InputError(f"--motif-db not given and {params} (written by satori-filter-motifs) cannot be read "
                         "to tell which database named the filters; give --motif-db") from None
    if options.get("motif_db"):
        recorded = Path(options["motif_db"])
        # a relative path was relative to where filter-motifs ran: try here, then beside params.json
        path = next((p for p in (recorded, params.parent / recorded) if p.is_file()), None)
        if path is None:
            raise InputError(f"{params} names the motif database {recorded}, which is not found here; "
                             "give it with --motif-db")
        return read_motifs(path), str(path)
    from satori.motifs import jaspar

    release = options.get("jaspar_release", jaspar.DEFAULT_RELEASE)
    collection = options.get("jaspar_collection", jaspar.DEFAULT_COLLECTION)
    tax = options.get("jaspar_tax_group", jaspar.DEFAULT_TAX_GROUP)
    motifs = jaspar.load_jaspar(release, collection, None if str(tax).lower() == "all" else tax)
    return motifs, f"{release} {collection} {tax}"


def match_motifs(tf_names: Sequence[str], tfs: Dict[str, NamedTF], db: Sequence[Motif], db_label: str) -> List[Motif]:
    """The database motif of each TF (module docstring), in the order of ``tf_names``.

    Raises InputError naming the first TF the database has no motif for.
    """
    by_id = {m.id: m for m in db}
    by_name: Dict[str, Motif] = {}
    for m in db:
        by_name.setdefault(m.name.strip().lower(), m)
    out = []
    for name in tf_names:
        key = name.strip().lower()
        named = tfs.get(key)
        motif = by_id.get(named.motif_id) if named is not None else None
        if motif is None:
            motif = by_name.get(key)
        if motif is None:
            raise InputError(f"TF '{name}': no motif in the motif database ({db_label}) by its filter's motif id "
                             "or by name; give the database the filters were named with (--motif-db)")
        out.append(motif)
    return out


def choose_backgrounds(X: np.ndarray, Y: np.ndarray, mode: str, n: int, seed: int) -> np.ndarray:
    """``n`` background sequences (module docstring), uint8 one-hot, shape=(n, 4, L).

    X: (N, 4, L) uint8, Y: (N, n_labels) 0/1 of the split. Raises InputError when the
    split has fewer than ``n`` sequences of the kind needed.
    """
    from satori.interpret.select import dinucleotide_shuffled

    if mode not in BACKGROUND_MODES:
        raise InputError(f"--background {mode}: expected one of {', '.join(BACKGROUND_MODES)}")
    pool = np.flatnonzero(Y.any(axis=1) if mode == "shuffled" else ~Y.any(axis=1))
    what = "labelled-positive" if mode == "shuffled" else "negative (no positive label)"
    if len(pool) < n:
        raise InputError(f"--n-backgrounds {n}: the split has only {len(pool)} {what} sequences "
                         f"(--background {mode})")
    rng = np.random.default_rng([seed, 1802])
    idx = np.sort(rng.choice(pool, size=n, replace=False))
    chosen = np.ascontiguousarray(X[idx])
    return dinucleotide_shuffled(chosen, seed) if mode == "shuffled" else chosen


def base_frequencies(X: np.ndarray) -> np.ndarray:
    """A, C, G, T frequencies of one-hot sequences (N columns ignored), shape=(4,),
    each at least 1e-3 (the sampler's log-odds need every base possible)."""
    counts = np.asarray(X, dtype=np.float64).sum(axis=(0, 2)) + 1.0
    freq = np.maximum(counts / counts.sum(), 1e-3)
    return freq / freq.sum()


def tf_instances(motifs: Sequence[Motif], n_bg: int, background: np.ndarray, mode: str = "sampled",
                 seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """One instance of each motif per background.

    Returns ``(codes, widths)``: codes np.ndarray uint8, shape=(T, n_bg, w_max) (codes
    0..3, the motif's own strand, 0 beyond its width), widths int64 (T,).
    """
    from satori.simulate.sample import sample_instances

    if mode not in INSTANCE_MODES:
        raise InputError(f"--instances {mode}: expected one of {', '.join(INSTANCE_MODES)}")
    widths = np.array([m.width for m in motifs], dtype=np.int64)
    codes = np.zeros((len(motifs), n_bg, int(widths.max()) if len(motifs) else 0), dtype=np.uint8)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, 1803]).spawn(len(motifs))]
    for t, (motif, rng) in enumerate(zip(motifs, rngs)):
        if mode == "consensus":
            codes[t, :, :motif.width] = np.argmax(motif.pwm, axis=1).astype(np.uint8)[None, :]
        else:
            codes[t, :, :motif.width] = sample_instances(rng, motif.pwm, n_bg, background,
                                                         motif_name=f"motif {motif.id} ({motif.name})")
    return codes, widths
