"""Collect the results of many benchmark configurations into one table.

The pipeline runs one configuration per dataset × entropy λ × motif database × method and
ends with one ``evaluation.json`` per configuration (and one ``metrics.json`` per trained
model). ``summarize`` reads a *manifest* naming those files and returns one row per
configuration: its descriptor columns, the model's test AUC, and precision, recall, F1 and
the true/false positive/negative counts of the recovered TF pairs.

The JSON files are read by the keys ``satori.schema`` declares (``Metrics``,
``Evaluation``), the ones satori-train and satori-evaluate write; a missing precision or
recall is an error, a missing AUC is a warning.
"""

import json
import logging
import math
import os
from pathlib import Path
from typing import Dict, List, Optional, Union

import pandas as pd

from satori import formats
from satori.errors import InputError
from satori.schema import Evaluation as E, Metrics
from satori.tsv import read_tsv

log = logging.getLogger("satori")

PathLike = Union[str, os.PathLike]


def _number(value) -> float:
    """A JSON number as float; NaN for anything else (null, text, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return float("nan")
    return float(value)


def _count(value) -> Optional[int]:
    """A JSON integer count; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def read_json(path: Path, what: str) -> dict:
    """Read a JSON object, turning every failure into one ``InputError`` sentence."""
    if not path.is_file():
        raise InputError(f"{path}: {what} not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {what} is not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: {what} must be a JSON object")
    return doc


def evaluation_row(path: Path) -> Dict[str, object]:
    """Precision, recall, F1 and TP/FP/FN counts of one ``evaluation.json``."""
    doc = read_json(path, "evaluation file")
    precision, recall = _number(doc.get(E.PRECISION)), _number(doc.get(E.RECALL))
    if math.isnan(precision) or math.isnan(recall):
        raise InputError(f"{path}: evaluation file has no numeric '{E.PRECISION}' and '{E.RECALL}'")
    f1 = _number(doc.get(E.F1))
    if math.isnan(f1):
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    cluster = doc.get(E.CLUSTER) if isinstance(doc.get(E.CLUSTER), dict) else {}
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": _count(doc.get(E.N_TP)),
        "fp": _count(doc.get(E.N_FP)),
        "fn": _count(doc.get(E.N_FN)),
        "random_f1": _baseline_f1(doc),
        "cluster_precision": _number(cluster.get(E.PRECISION)),
        "cluster_recall": _number(cluster.get(E.RECALL)),
        "cluster_f1": _number(cluster.get(E.F1)),
        "cluster_random_f1": _baseline_f1(cluster),
    }


def _baseline_f1(block: dict) -> float:
    """The F1 of an evaluation block's random-pair baseline (NaN when it has none)."""
    base = block.get(E.RANDOM_BASELINE)
    return _number(base.get(E.F1)) if isinstance(base, dict) else float("nan")


def model_auc(path: Path) -> float:
    """The mean test AUC-ROC in a model's ``metrics.json`` (NaN, with a warning, if absent)."""
    auc = _number(read_json(path, "model metrics file").get(Metrics.MEAN_AUC_ROC))
    if math.isnan(auc):
        log.warning("%s: no numeric '%s' (the mean test AUC-ROC satori-train writes)", path, Metrics.MEAN_AUC_ROC)
    return auc


def read_manifest(path: PathLike) -> pd.DataFrame:
    """Read and validate a manifest TSV (see the module docstring); all columns as strings."""
    path = Path(path)
    df = read_tsv(path, "manifest", required=(formats.RUNS_ID, formats.RUNS_EVALUATION), flag="--manifest")
    if df.empty:
        raise InputError(f"{path}: manifest has no rows")
    clash = [c for c in formats.BENCHMARK_METRIC_COLUMNS if c in df.columns]
    if clash:
        raise InputError(f"{path}: manifest column(s) {', '.join(clash)} clash with summary columns")
    dup = df[formats.RUNS_ID][df[formats.RUNS_ID].duplicated()].tolist()
    if dup:
        raise InputError(f"{path}: manifest repeats id(s) {', '.join(sorted(set(dup))[:5])}")
    if (df[formats.RUNS_ID] == "").any() or (df[formats.RUNS_EVALUATION] == "").any():
        raise InputError(f"{path}: manifest has rows with an empty id or evaluation path")
    return df


def summarize(manifest: pd.DataFrame, base_dir: PathLike = ".") -> pd.DataFrame:
    """One row per configuration: descriptors, then ``formats.BENCHMARK_METRIC_COLUMNS``.

    Those are ``auc, precision, recall, f1, tp, fp, fn``, the random-pair baseline's F1
    and the cluster-level precision, recall, F1 and baseline F1 (NaN where the evaluation
    has no such block).

    Parameters
    ----------
    manifest: pd.DataFrame
        As returned by ``read_manifest``: ``id``, ``evaluation``, optional ``metrics``, and any
        descriptor columns (copied through in their order).
    base_dir: str or Path
        Directory that relative paths in the manifest are relative to (the manifest's own).

    Returns
    -------
    summary: pd.DataFrame
        Rows in manifest order. ``auc`` is NaN where a row has no metrics file; counts are
        nullable integers (missing when the evaluation does not record them).
    """
    base = Path(base_dir)
    descriptors = [c for c in manifest.columns if c not in (formats.RUNS_EVALUATION, formats.RUNS_METRICS)]

    rows: List[Dict[str, object]] = []
    for rec in manifest.to_dict("records"):
        row = {c: rec[c] for c in descriptors}
        metrics_path = rec.get(formats.RUNS_METRICS, "")
        row["auc"] = model_auc(base / metrics_path) if metrics_path else float("nan")
        row.update(evaluation_row(base / rec[formats.RUNS_EVALUATION]))
        rows.append(row)

    summary = pd.DataFrame(rows, columns=descriptors + formats.BENCHMARK_METRIC_COLUMNS)
    for col in ("tp", "fp", "fn"):
        summary[col] = summary[col].astype("Int64")
    return summary


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as TSV text (floats to 6 significant digits, empty cells for missing)."""
    return summary.to_csv(sep="\t", index=False, float_format="%.6g", na_rep="")


def describe(summary: pd.DataFrame) -> str:
    """A one-line human summary for the log: configurations, mean F1 and its random baseline."""
    f1, base = summary["f1"].mean(), summary["random_f1"].mean()
    text = f"{len(summary)} configuration(s), mean F1 {f1:.3f}"
    return text if math.isnan(base) else f"{text} (random pairs {base:.3f})"
