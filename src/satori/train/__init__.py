"""Training SATORI models (``satori-train``): data in memory, loop, checkpoints, metrics.

- ``loop``: ``TrainSettings``, ``fit`` (early stopping, per-epoch checkpoint),
  ``train_epoch``, ``evaluate``, ``resolve_amp``;
- ``checkpoint``: ``checkpoint.pt`` for ``--resume`` (loads with ``weights_only=True``);
- ``metrics``: AUC-ROC / AUPRC per label (scikit-learn).
"""

from satori.train.checkpoint import CHECKPOINT_FORMAT, check_resumable, load_checkpoint, save_checkpoint
from satori.train.loop import (
    FitResult, TrainSettings, evaluate, fit, make_optimizer, resolve_amp, train_epoch, write_history,
)
from satori.train.metrics import classification_metrics

__all__ = [
    "CHECKPOINT_FORMAT", "FitResult", "TrainSettings", "check_resumable", "classification_metrics",
    "evaluate", "fit", "load_checkpoint", "make_optimizer", "resolve_amp", "save_checkpoint",
    "train_epoch", "write_history",
]
