"""Classification metrics per label (scikit-learn): AUC-ROC and AUPRC."""

import math
from typing import List, Optional, Sequence

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def classification_metrics(y_true: np.ndarray, scores: np.ndarray, label_names: Optional[Sequence[str]] = None) -> dict:
    """AUC-ROC and AUPRC of each label and their means.

    Parameters
    ----------
    y_true: np.ndarray, shape=(n, n_labels)
        0/1 labels.
    scores: np.ndarray, shape=(n, n_labels)
        Logits or probabilities (only their order matters).
    label_names: sequence of str or None
        Names of the labels (default ``label_0``, ...).

    Returns
    -------
    dict with ``auc_roc`` and ``auprc`` ({label: value} over the labels that have both
    classes), ``mean_auc_roc`` and ``mean_auprc`` (None when no label has both classes)
    and ``skipped`` (a list of ``{"label", "reason"}`` for labels with a single class,
    whose AUC is undefined).
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=np.float64)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if scores.ndim == 1:
        scores = scores[:, None]
    if y_true.shape != scores.shape:
        raise ValueError(f"labels {y_true.shape} and scores {scores.shape} differ in shape")
    names: List[str] = list(label_names) if label_names is not None else [f"label_{i}" for i in range(y_true.shape[1])]

    auc, ap, skipped = {}, {}, []
    for j, name in enumerate(names):
        col = y_true[:, j]
        n_pos = int(col.sum())
        if n_pos == 0 or n_pos == len(col):
            only = "positives" if n_pos else "negatives"
            skipped.append({"label": name, "reason": f"only {only} ({len(col)} sequences): AUC undefined"})
            continue
        auc[name] = float(roc_auc_score(col, scores[:, j]))
        ap[name] = float(average_precision_score(col, scores[:, j]))
    return {
        "auc_roc": auc,
        "auprc": ap,
        "mean_auc_roc": float(np.mean(list(auc.values()))) if auc else None,
        "mean_auprc": float(np.mean(list(ap.values()))) if ap else None,
        "skipped": skipped,
    }


def mean_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Mean AUC-ROC over the labels with both classes (NaN when there is none)."""
    m = classification_metrics(y_true, scores)["mean_auc_roc"]
    return math.nan if m is None else m
