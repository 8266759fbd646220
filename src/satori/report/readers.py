"""Reading a run's files for the report, tolerantly.

Every reader raises ``SectionError`` with one sentence naming the file and the problem;
the report catches it and prints the sentence in the section that needed the file
instead of failing the whole report. JSON outputs of other tools (``metrics.json``,
``evaluation.json``, ``ppi_summary.json``) are read by the keys ``satori.schema``
declares, the ones their writers use.
"""

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np
import pandas as pd

from satori import formats
from satori.report.discover import (
    METHOD_LABELS, RunFiles, canonical_method, method_from_path, pair_label, variant_of,
)
from satori.schema import Evaluation as E

DEFAULT_Q = 0.05


class SectionError(Exception):
    """A file a section needs is missing or unreadable (message: one sentence)."""


def read_tsv(path: Path, required: Sequence[str] = (), rf: Optional[RunFiles] = None) -> pd.DataFrame:
    """Read a tab-separated table with a header; check ``required`` columns exist."""
    shown = rf.rel(path) if rf is not None else str(path)
    try:
        df = pd.read_csv(path, sep="\t", keep_default_na=True, comment=None)
    except pd.errors.EmptyDataError:
        raise SectionError(f"{shown} is empty (no header line)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise SectionError(f"{shown} cannot be parsed as a TSV table ({str(exc).splitlines()[0]})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise SectionError(
            f"{shown} lacks the column(s) {', '.join(missing)} (header: {', '.join(map(str, df.columns[:8]))})"
        )
    return df


def read_json(path: Path, rf: Optional[RunFiles] = None) -> Any:
    """Read a JSON file (NaN/Infinity accepted)."""
    shown = rf.rel(path) if rf is not None else str(path)
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SectionError(f"{shown} cannot be parsed as JSON ({str(exc).splitlines()[0]})") from None


def numeric(df: pd.DataFrame, cols: Iterable[str], path_label: str = "") -> pd.DataFrame:
    """Convert columns to numbers; a column with text in it is a ``SectionError``."""
    df = df.copy()
    for c in cols:
        if c not in df.columns:
            continue
        conv = pd.to_numeric(df[c], errors="coerce")
        bad = conv.isna() & df[c].notna() & (df[c].astype(str).str.strip() != "")
        if bad.any():
            raise SectionError(
                f"{path_label}: column '{c}' holds a non-number ('{df.loc[bad, c].iloc[0]}')"
            )
        df[c] = conv
    return df


def as_float(x: Any) -> Optional[float]:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def pair_key(a: Any, b: Any) -> str:
    """An unordered, case-insensitive TF pair as one string ``A|B`` (sorted, upper)."""
    x, y = sorted([str(a).strip().upper(), str(b).strip().upper()])
    return f"{x}|{y}"


def pair_text(key: str) -> str:
    return key.replace("|", " – ")


def parse_pair(item: Any) -> Optional[str]:
    """A TF pair of an ``evaluation.json`` list (``[tf1, tf2]``) as its pair key; None otherwise."""
    if isinstance(item, (list, tuple)) and len(item) == 2:
        return pair_key(item[0], item[1])
    return None


# --- truth --------------------------------------------------------------------------

def read_truth(rf: RunFiles) -> set:
    """The simulation's interacting TF pairs (``pairs.tsv``) as unordered pair keys."""
    if rf.pairs is None:
        raise SectionError(f"no {formats.PAIRS_TSV} in the run (simulated runs only)")
    df = read_tsv(rf.pairs, ["tf1", "tf2"], rf)
    return {pair_key(a, b) for a, b in zip(df["tf1"], df["tf2"]) if str(a).upper() != str(b).upper()}


# --- interactions -------------------------------------------------------------------

@dataclass
class InteractionSet:
    """The interactions of one method (and one database variant) of a run.

    ``tf``: rows of ``tf_interactions.tsv`` (tf1, tf2, q, ...), ``filt``: rows of
    ``interactions.tsv`` (filter pairs), either may be None; ``errors`` holds the
    sentences of files that could not be read.
    """

    method: str
    variant: str = ""
    tf: Optional[pd.DataFrame] = None
    filt: Optional[pd.DataFrame] = None
    tf_path: Optional[Path] = None
    filt_path: Optional[Path] = None
    q_threshold: float = DEFAULT_Q
    errors: List[str] = field(default_factory=list)
    db: str = ""  # the motif database that named the filters (the variant folder, else the run's)

    @property
    def label(self) -> str:
        return pair_label(self.method, self.db or self.variant)

    @property
    def key(self) -> str:
        return f"{self.method}/{self.variant}" if self.variant else self.method

    def significant_pairs(self) -> set:
        """Unordered TF pairs with q < the threshold (same-TF pairs excluded)."""
        if self.tf is None or self.tf.empty:
            return set()
        sig = self.tf[self.tf["q"] < self.q_threshold]
        return {pair_key(a, b) for a, b in zip(sig["tf1"], sig["tf2"])
                if str(a).upper() != str(b).upper() and str(a) != "nan" and str(b) != "nan"}


def _q_threshold_near(path: Path) -> float:
    params = path.parent / formats.PARAMS_JSON
    if params.is_file():
        try:
            doc = json.loads(params.read_text())  # cli.common.params_json: {"options": {...}}
            q = as_float((doc.get("options") or {}).get("q_threshold")) if isinstance(doc, dict) else None
            if q is not None and 0 < q <= 1:
                return q
        except (OSError, json.JSONDecodeError):
            pass
    return DEFAULT_Q


def _split_by_method(df: pd.DataFrame, fallback: str) -> Dict[str, pd.DataFrame]:
    if "method" not in df.columns or df["method"].isna().all():
        return {fallback: df}
    methods = df["method"].map(canonical_method)
    methods = methods.where(df["method"].notna(), fallback)
    return {m: df[methods == m].reset_index(drop=True) for m in dict.fromkeys(methods)}


def params_doc(path: Path) -> dict:
    """A params.json as a dict (empty when unreadable)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def option(doc: dict, key: str) -> Any:
    """An option of a params.json: top level (simulate, train) or under ``options`` (the others)."""
    if key in doc:
        return doc[key]
    opts = doc.get("options")
    return opts.get(key) if isinstance(opts, dict) else None


def filter_motif_params(rf: RunFiles) -> List[tuple]:
    """(directory, params dict) of every satori-filter-motifs run in the run."""
    out = []
    for key, path in sorted(rf.params.items()):
        doc = params_doc(path)
        if doc.get("tool") == "satori-filter-motifs" or ("filter_motifs" in key and "tool" not in doc):
            out.append((key, doc))
    return out


def run_db(rf: RunFiles) -> str:
    """The motif database of the run's only filter annotation (its params.json), else ``""``."""
    fm = filter_motif_params(rf)
    if len(fm) != 1:
        return ""
    doc = fm[0][1]
    summary = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
    db = summary.get("motif_db") or option(doc, "motif_db")
    if not db:
        return "JASPAR"
    if rf.motifs_meme is not None and Path(str(db)).name == rf.motifs_meme.name:
        return "simulation"
    return str(db)


def read_interaction_sets(rf: RunFiles) -> List[InteractionSet]:
    """Every method × variant of interactions found in the run, in a stable order
    (raw, attr, dfim, others; then variant)."""
    sets: Dict[tuple, InteractionSet] = {}
    default_db = run_db(rf)

    def get(method: str, variant: str, path: Path) -> InteractionSet:
        k = (method, variant)
        if k not in sets:
            sets[k] = InteractionSet(method=method, variant=variant, q_threshold=_q_threshold_near(path),
                                     db=variant or default_db)
        return sets[k]

    for path in rf.tf_interactions:
        variant = variant_of(rf, path)
        fallback = method_from_path(rf, path)
        try:
            df = read_tsv(path, ["tf1", "tf2", "q"], rf)
            df = numeric(df, ["q", "p", "n_filter_pairs", "median_distance"], rf.rel(path))
        except SectionError as exc:
            get(fallback, variant, path).errors.append(str(exc))
            continue
        for method, part in _split_by_method(df, fallback).items():
            s = get(method, variant, path)
            s.tf, s.tf_path = part, path
    for path in rf.interactions:
        variant = variant_of(rf, path)
        fallback = method_from_path(rf, path)
        try:
            df = read_tsv(path, ["filter_a", "filter_b", "q"], rf)
            df = numeric(df, ["q", "p", "distance", "n_fg", "n_bg", "median_fg", "median_bg"], rf.rel(path))
        except SectionError as exc:
            get(fallback, variant, path).errors.append(str(exc))
            continue
        for method, part in _split_by_method(df, fallback).items():
            s = get(method, variant, path)
            s.filt, s.filt_path = part, path
    order = {"raw": 0, "attr": 1, "dfim": 2}
    return [sets[k] for k in sorted(sets, key=lambda k: (order.get(k[0], 9), k[0], k[1]))]


# --- evaluation ---------------------------------------------------------------------

@dataclass
class Evaluation:
    """One ``evaluation.json``: scores of one method against the truth in one db mode."""

    path: Path
    method: str
    db: str
    precision: Optional[float]
    recall: Optional[float]
    f1: Optional[float]
    q_threshold: Optional[float]
    tp: List[str]
    fp: List[str]
    fn: List[str]
    curve: Optional[pd.DataFrame]  # columns q, precision, recall
    baseline: Optional[dict] = None  # "random_baseline": expected P/R/F1 of as many random pairs
    cluster: Optional[dict] = None  # "cluster": cluster-level scores (with its own random_baseline)

    @property
    def label(self) -> str:
        return pair_label(self.method, self.db)


def _pairs_list(obj: dict, key: str) -> List[str]:
    raw = obj.get(key)
    if not isinstance(raw, (list, tuple)):
        return []
    return sorted({k for k in (parse_pair(x) for x in raw) if k})


def _curve(obj: dict) -> Optional[pd.DataFrame]:
    raw = obj.get(E.PR_CURVE)
    if not raw:
        return None
    try:
        df = pd.DataFrame(raw)
    except (ValueError, TypeError):
        return None
    if not {E.CURVE_Q, E.CURVE_PRECISION, E.CURVE_RECALL} <= set(df.columns):
        return None
    out = pd.DataFrame({
        "q": pd.to_numeric(df[E.CURVE_Q], errors="coerce"),
        "precision": pd.to_numeric(df[E.CURVE_PRECISION], errors="coerce"),
        "recall": pd.to_numeric(df[E.CURVE_RECALL], errors="coerce"),
    }).dropna()
    return out.sort_values("q").reset_index(drop=True) if not out.empty else None


def read_evaluation(rf: RunFiles, path: Path) -> Evaluation:
    """Parse an ``evaluation.json`` (the keys of ``satori.schema.Evaluation``).

    The method is the table's one ``methods`` entry, else read from the layout (the
    folder of ``interactions``, then of the file itself); the database label is
    ``db_label``, else the variant folder.
    """
    obj = read_json(path, rf)
    if not isinstance(obj, dict):
        raise SectionError(f"{rf.rel(path)}: expected a JSON object")
    methods = obj.get(E.METHODS)
    if isinstance(methods, list) and len(methods) == 1:
        method = canonical_method(methods[0])
    else:
        src = obj.get(E.INTERACTIONS)
        # only a known method's folder names the method ("jaspar" in interpret_raw/jaspar/ is a database)
        method = None
        if isinstance(src, str):
            for part in reversed(Path(src).parent.parts):
                if canonical_method(part) in METHOD_LABELS:
                    method = canonical_method(part)
                    break
        if method is None:
            method = method_from_path(rf, path)
    db = obj.get(E.DB_LABEL)
    if not isinstance(db, str) or not db:
        db = variant_of(rf, path)
        # drop a method directory name from the variant (evaluate/raw/jaspar -> jaspar)
        db = "/".join(p for p in db.split("/") if canonical_method(p) not in ("raw", "attr", "dfim")) if db else ""
        db = db or run_db(rf)
    precision, recall, f1 = (as_float(obj.get(k)) for k in (E.PRECISION, E.RECALL, E.F1))
    if precision is None and recall is None and f1 is None:
        raise SectionError(f"{rf.rel(path)}: no {E.PRECISION}/{E.RECALL}/{E.F1} values found")
    return Evaluation(
        path=path, method=method, db=db, precision=precision, recall=recall, f1=f1,
        q_threshold=as_float(obj.get(E.Q_THRESHOLD)),
        tp=_pairs_list(obj, E.TP), fp=_pairs_list(obj, E.FP), fn=_pairs_list(obj, E.FN),
        curve=_curve(obj),
        baseline=obj.get(E.RANDOM_BASELINE) if isinstance(obj.get(E.RANDOM_BASELINE), dict) else None,
        cluster=obj.get(E.CLUSTER) if isinstance(obj.get(E.CLUSTER), dict) else None,
    )


def pr_curve_from_interactions(tf: pd.DataFrame, truth: set) -> pd.DataFrame:
    """Precision and recall of the pairs with q <= t, for every distinct q value t.

    tf: tf_interactions rows (tf1, tf2, q). Returns columns q, precision, recall,
    n_predicted, tp (one row per threshold, increasing q).
    """
    df = tf[["tf1", "tf2", "q"]].dropna()
    df = df[df["tf1"].astype(str).str.upper() != df["tf2"].astype(str).str.upper()]
    best: Dict[str, float] = {}
    for a, b, q in zip(df["tf1"], df["tf2"], df["q"]):
        k = pair_key(a, b)
        best[k] = min(best.get(k, np.inf), float(q))
    if not best or not truth:
        return pd.DataFrame(columns=["q", "precision", "recall", "n_predicted", "tp"])
    keys = sorted(best, key=lambda k: best[k])
    qs = np.array([best[k] for k in keys])
    hit = np.array([k in truth for k in keys], dtype=np.int64)
    tp = np.cumsum(hit)
    n = np.arange(1, len(keys) + 1)
    last = np.r_[qs[1:] != qs[:-1], True]  # ties: one point per distinct q
    return pd.DataFrame({
        "q": qs[last], "precision": tp[last] / n[last], "recall": tp[last] / len(truth),
        "n_predicted": n[last], "tp": tp[last],
    })


def scores_at(tf: pd.DataFrame, truth: set, q_threshold: float) -> Dict[str, Any]:
    """Precision, recall, F1 and the TP/FP/FN pair lists at q < ``q_threshold``."""
    sig = tf[tf["q"] < q_threshold]
    pred = {pair_key(a, b) for a, b in zip(sig["tf1"], sig["tf2"]) if str(a).upper() != str(b).upper()}
    tp, fp, fn = pred & truth, pred - truth, truth - pred
    p = len(tp) / len(pred) if pred else 0.0
    r = len(tp) / len(truth) if truth else 0.0
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": sorted(tp), "fp": sorted(fp), "fn": sorted(fn)}


# --- in-silico implantation ---------------------------------------------------------

IMPLANT_Q = 0.05  # the implantation confirms a pair at q below this with cooperativity > 0


def read_implant(path: Path, rf: Optional[RunFiles] = None) -> pd.DataFrame:
    """An ``implant.tsv`` (``formats.IMPLANT_COLUMNS``; tf1, tf2, cooperativity, q required)."""
    df = read_tsv(path, ["tf1", "tf2", "cooperativity", "q"], rf)
    shown = rf.rel(path) if rf is not None else str(path)
    return numeric(df, ["attention_q", "best_gap", "cooperativity", "ci_low", "ci_high", "p", "q",
                        "marginal1", "marginal2", "n_backgrounds"], shown)


def read_implant_curves(path: Path, rf: Optional[RunFiles] = None) -> pd.DataFrame:
    """An ``implant_curves.tsv`` (``formats.IMPLANT_CURVES_COLUMNS``)."""
    df = read_tsv(path, ["tf1", "tf2", "gap", "cooperativity"], rf)
    shown = rf.rel(path) if rf is not None else str(path)
    return numeric(df, ["gap", "cooperativity", "ci_low", "ci_high"], shown)


_METHOD_SUFFIX = re.compile(r"(?:^|[_/-])(?:raw|attr|dfim|attn-raw|attn-attr)$", re.I)


def implant_db(rf: RunFiles, path: Path) -> str:
    """The motif database an ``implant.tsv`` was built with, as a hint from its folder: the
    pipeline's ``implant/<model>_<db>_<method>/`` gives ``<model>_<db>`` (``db_display`` reads
    it), ``implant/raw/`` or a flat run gives the run's only database (``run_db``), else ``""``."""
    variant = _METHOD_SUFFIX.sub("", variant_of(rf, path))
    return variant or run_db(rf)


def implant_confirms(df: pd.DataFrame) -> pd.Series:
    """Rows of an implant table whose pair the implantation confirms: q < 0.05 and
    cooperativity > 0, control rows excluded."""
    ok = (df["q"] < IMPLANT_Q) & (df["cooperativity"] > 0)
    return (ok & ~implant_controls(df)).fillna(False)


def implant_controls(df: pd.DataFrame) -> pd.Series:
    """Rows of an implant table that are control pairs (tested as a baseline, not
    predicted by the attention): ``control`` is 1 / true / yes / control."""
    if "control" not in df.columns:
        return pd.Series(False, index=df.index)
    return df["control"].astype(str).str.strip().str.lower().isin(("1", "1.0", "true", "yes", "control"))
