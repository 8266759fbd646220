"""Collect the results of many benchmark configurations into one table.

The pipeline runs one configuration per dataset × entropy λ × motif database × method and
ends with one ``evaluation.json`` per configuration (and one ``metrics.json`` per trained
model). ``summarize`` reads a *manifest* naming those files and returns one row per
configuration: its descriptor columns, the model's test AUC, and precision, recall, F1 and
the true/false positive/negative counts of the recovered TF pairs.

The JSON readers look values up by their key name anywhere in the document (``precision``
or ``metrics.precision`` both work) so that the table does not break when a step nests its
numbers differently; a missing precision or recall is an error, a missing AUC is a warning.
"""

import json
import logging
import math
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import pandas as pd

from satori import formats
from satori.errors import InputError
from satori.tsv import read_tsv

log = logging.getLogger("satori")

PathLike = Union[str, os.PathLike]

# Key names tried in order (the last component of a flattened key, lower case). satori-train
# writes the test AUC as ``mean_auc_roc`` (and per label under ``auc_roc``); satori-evaluate
# writes ``precision``, ``recall``, ``f1``, ``n_tp``/``n_fp``/``n_fn`` and the pair lists
# ``tp``/``fp``/``fn``. The other names keep older or hand-made files readable.
AUC_KEYS = ("mean_auc_roc", "test_auc_roc", "test_auc", "auc_roc", "test_roc_auc", "roc_auc",
            "test_auroc", "auroc", "mean_auc", "auc")
PRECISION_KEYS = ("precision",)
RECALL_KEYS = ("recall",)
F1_KEYS = ("f1", "f1_score", "f_1")
TP_KEYS = ("n_tp", "tp", "n_true_positives", "true_positives", "found")
FP_KEYS = ("n_fp", "fp", "n_false_positives", "false_positives", "spurious")
FN_KEYS = ("n_fn", "fn", "n_false_negatives", "false_negatives", "missed")


def flatten(doc, prefix: str = "") -> Dict[str, object]:
    """Flatten nested dicts into ``{"a.b.c": value}`` with lower-case keys (lists kept as values)."""
    out: Dict[str, object] = {}
    if isinstance(doc, dict):
        for key, value in doc.items():
            name = f"{prefix}.{key}".lower() if prefix else str(key).lower()
            if isinstance(value, dict):
                out.update(flatten(value, name))
            out[name] = value
    return out


def find_value(flat: Dict[str, object], names: Sequence[str]):
    """The value of the first of ``names`` found as a key's last component.

    Among keys with the same name, the least nested wins (``test_auc`` before
    ``per_label.x.test_auc``). Returns None when no key matches.
    """
    for name in names:
        hits = [k for k in flat if k.split(".")[-1] == name]
        if hits:
            return flat[min(hits, key=lambda k: (k.count("."), k))]
    return None


def as_number(value) -> float:
    """A JSON value as one float: numbers as they are; lists and dicts of numbers by their mean.

    A dict with a ``mean``/``macro``/``average`` entry gives that entry. NaN when nothing
    numeric is there.
    """
    if isinstance(value, bool):
        return float("nan")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        for key in ("mean", "macro", "average", "avg"):
            if key in value:
                return as_number(value[key])
        value = list(value.values())
    if isinstance(value, list):
        nums = [float(v) for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)]
        nums = [v for v in nums if not math.isnan(v)]
        return sum(nums) / len(nums) if nums else float("nan")
    return float("nan")


def as_count(value) -> Optional[int]:
    """A count: an integer as it is, a list (e.g. of TF pairs) by its length; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return len(value)
    return None


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
    flat = flatten(read_json(path, "evaluation file"))
    precision = as_number(find_value(flat, PRECISION_KEYS))
    recall = as_number(find_value(flat, RECALL_KEYS))
    if math.isnan(precision) or math.isnan(recall):
        raise InputError(f"{path}: evaluation file has no numeric 'precision' and 'recall'")
    f1 = as_number(find_value(flat, F1_KEYS))
    if math.isnan(f1):
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": as_count(find_value(flat, TP_KEYS)),
        "fp": as_count(find_value(flat, FP_KEYS)),
        "fn": as_count(find_value(flat, FN_KEYS)),
    }


def model_auc(path: Path) -> float:
    """The test AUC recorded in a model's ``metrics.json`` (NaN, with a warning, if absent)."""
    flat = flatten(read_json(path, "model metrics file"))
    auc = as_number(find_value(flat, AUC_KEYS))
    if math.isnan(auc):
        log.warning("%s: no test AUC found (looked for %s)", path, ", ".join(AUC_KEYS))
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
    """One row per configuration: descriptors, then ``auc, precision, recall, f1, tp, fp, fn``.

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
    """A one-line human summary for the log: configurations and the mean F1."""
    f1 = summary["f1"].mean()
    return f"{len(summary)} configuration(s), mean F1 {f1:.3f}"
