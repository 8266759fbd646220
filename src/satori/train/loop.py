"""The training loop: batches by indexing, BCE + entropy loss, early stopping, checkpoints.

Loss = Loss_c + lambda * Loss_e (the paper's Eq. 5): Loss_c is binary cross-entropy
with logits averaged over sequences and labels (one logit per label: binary and
multi-label tasks are the same code), Loss_e is ``satori.models.attention_entropy`` of
the pre-dropout attention probabilities returned by the model, averaged over the batch.

Data stay one uint8 tensor (n, 4, L): each epoch draws a permutation from a dedicated
generator and each batch is ``X[perm[i:i+b]]`` upcast on the device (on CUDA the whole
uint8 training set is moved to the GPU once). Validation and test passes go through
the shared ``satori.batching.predict``.
"""

import contextlib
import logging
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from satori import formats
from satori.atomic import write_text
from satori.batching import batch_slices, predict, to_device_batch
from satori.data.dataset import Dataset
from satori.errors import InputError
from satori.models import attention_entropy
from satori.train.checkpoint import capture_rng, restore_rng, save_checkpoint
from satori.train.metrics import classification_metrics
from satori.train.monitor import filter_information

log = logging.getLogger("satori")

OPTIMIZERS = ("adam", "sgd")
AMP_MODES = ("auto", "off", "bf16", "fp16")
LR_SCHEDULES = ("constant", "cosine")


@dataclass
class TrainSettings:
    """Training hyperparameters (the model's own live in ``ModelConfig``).

    Defaults: Adam, learning rate 3e-3, no weight decay, batch 128, at most 30 epochs,
    early stopping after 5 epochs without a lower validation loss, lambda = 0 (no
    entropy term). ``amp`` is the resolved mode: ``off``, ``bf16`` or ``fp16``.

    ``entropy_warmup`` W: the entropy weight of epoch e (1-based) is
    lambda * min(1, (e - 1) / W), so epoch 1 trains the classifier alone and the full
    lambda applies from epoch W + 1 (W = 0: lambda from the start, the paper). The
    default W = 2: with lambda = 0.01 from the start, attention entropy collapses in
    epoch 1 (2.5 nats) before the filters exist (valid AUC 0.65 against 0.75 with W = 2,
    BENCHMARKS.md). The validation loss that early stopping compares always uses the
    full lambda.
    """

    entropy_lambda: float = 0.0
    entropy_warmup: int = 2
    max_epochs: int = 30
    patience: int = 5
    batch_size: int = 128
    lr: float = 3e-3
    lr_schedule: str = "constant"
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    seed: int = 0
    amp: str = "off"

    #: settings a resumed run may change; every other one must match the checkpoint
    RESUME_MAY_CHANGE = ("max_epochs", "patience", "amp")

    def validate(self) -> None:
        """Raise InputError (naming the flag) for an impossible setting."""
        checks = [
            (self.entropy_lambda >= 0 and math.isfinite(self.entropy_lambda), "--entropy-lambda must be >= 0"),
            (self.entropy_warmup >= 0, "--entropy-warmup must be >= 0"),
            (self.max_epochs >= 1, "--max-epochs must be >= 1"),
            (self.patience >= 0, "--patience must be >= 0 (0 = no early stopping)"),
            (self.batch_size >= 1, "--batch-size must be >= 1"),
            (self.lr > 0 and math.isfinite(self.lr), "--lr must be > 0"),
            (self.lr_schedule in LR_SCHEDULES, f"--lr-schedule must be one of {', '.join(LR_SCHEDULES)}"),
            (self.optimizer in OPTIMIZERS, f"--optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (0 <= self.momentum < 1, "--momentum must be in [0, 1)"),
            (self.weight_decay >= 0, "--weight-decay must be >= 0"),
            (self.amp in ("off", "bf16", "fp16"), "amp must be resolved to off, bf16 or fp16"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(message)

    def lr_at(self, epoch: int) -> float:
        """The learning rate of (1-based) ``epoch``: ``constant``, or ``cosine`` from lr at
        epoch 1 down along half a cosine over ``max_epochs`` (lr * (1 + cos(pi (e - 1) / E)) / 2)."""
        if self.lr_schedule == "cosine":
            return self.lr * 0.5 * (1.0 + math.cos(math.pi * (epoch - 1) / self.max_epochs))
        return self.lr

    def lambda_at(self, epoch: int) -> float:
        """The entropy weight of (1-based) ``epoch`` under the warm-up."""
        if self.entropy_warmup <= 0:
            return self.entropy_lambda
        return self.entropy_lambda * min(1.0, (epoch - 1) / self.entropy_warmup)

    def fixed(self) -> dict:
        """The settings that must be the same when a run is resumed."""
        return {k: v for k, v in asdict(self).items() if k not in self.RESUME_MAY_CHANGE}


def resolve_amp(mode: str, device: torch.device) -> str:
    """``--amp auto|off|bf16|fp16`` -> ``off``, ``bf16`` or ``fp16`` for ``device``.

    auto: bf16 on a CUDA GPU that supports it, fp16 on an older CUDA GPU, off elsewhere.
    Explicit bf16/fp16 need CUDA (mixed precision on CPU is slower, not faster).
    """
    mode = (mode or "auto").lower()
    if mode not in AMP_MODES:
        raise InputError(f"--amp {mode}: unknown mode (use {', '.join(AMP_MODES)})")
    if mode == "off":
        return "off"
    if device.type != "cuda":
        if mode == "auto":
            return "off"
        raise InputError(f"--amp {mode}: mixed precision needs a CUDA device (this run uses {device}); use --amp off")
    if mode == "auto":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return mode


def amp_context(device: torch.device, amp: str):
    """An autocast context for ``amp`` (``off`` -> a no-op context)."""
    if amp == "off" or device.type != "cuda":
        return contextlib.nullcontext()
    return torch.autocast(device_type="cuda", dtype=torch.bfloat16 if amp == "bf16" else torch.float16)


def make_optimizer(model: torch.nn.Module, settings: TrainSettings) -> torch.optim.Optimizer:
    """Adam or SGD with momentum over ``model``'s trainable parameters.

    Frozen parameters (``requires_grad=False``: pre-loaded motif filters) are left out,
    so neither the update nor weight decay can change them. The parameters of a module
    with an ``lr_scale`` attribute get their own group at ``lr * lr_scale`` (the relative
    position bias: Adam moves a parameter by about ``lr`` a step, so a table that starts at
    zero would need thousands of steps to reach the few logits that shift attention). The
    scale is read from the module, not the tensor, so it survives ``model.to(device)``.
    """
    scaled, groups = set(), []
    for module in model.modules():
        scale = getattr(module, "lr_scale", None)
        if scale is None:
            continue
        own = [p for p in module.parameters(recurse=False) if p.requires_grad and id(p) not in scaled]
        scaled.update(id(p) for p in own)
        if own:
            groups.append({"params": own, "lr": settings.lr * float(scale)})
    plain = [p for p in model.parameters() if p.requires_grad and id(p) not in scaled]
    params = [{"params": plain}] + groups
    if settings.optimizer == "adam":
        return torch.optim.Adam(params, lr=settings.lr, weight_decay=settings.weight_decay)
    return torch.optim.SGD(params, lr=settings.lr, momentum=settings.momentum, weight_decay=settings.weight_decay)


def batch_loss(
    model: torch.nn.Module, xb: torch.Tensor, yb: torch.Tensor, entropy_lambda: float
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Loss of one batch: ``(Loss_c + lambda * Loss_e, Loss_e)``.

    xb: shape=(b, 4, L) float; yb: shape=(b, n_labels) float 0/1.
    The entropy is computed (for the history) even when lambda is 0, but then without
    a gradient.
    """
    logits, probs = model(xb, return_attention=True)  # (b, n_labels), (b, h, L', L')
    loss = F.binary_cross_entropy_with_logits(logits.float(), yb)
    if entropy_lambda > 0:
        entropy = attention_entropy(probs.float())
        loss = loss + entropy_lambda * entropy
    else:
        with torch.no_grad():
            entropy = attention_entropy(probs.float())
    return loss, entropy.detach()


def train_epoch(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    settings: TrainSettings,
    device: torch.device,
    generator: torch.Generator,
    scaler=None,
    progress: Optional[bool] = None,
    desc: str = "train",
    entropy_lambda: Optional[float] = None,
) -> Tuple[float, float]:
    """One pass over the training set in a random order.

    X: torch.Tensor, shape=(n, 4, L), uint8 (on the host or already on ``device``).
    y: torch.Tensor, shape=(n, n_labels), uint8, same place as X.
    generator: the CPU generator that draws this epoch's permutation.
    progress: tqdm bar on stderr: True, False, or None (only on a terminal).
    entropy_lambda: this epoch's entropy weight (None = ``settings.entropy_lambda``).

    Returns the mean loss (Loss_c + lambda * Loss_e) and mean Loss_e per sequence.
    """
    lam = settings.entropy_lambda if entropy_lambda is None else entropy_lambda
    n = len(X)
    skip_single = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules())
    model.train()
    perm = torch.randperm(n, generator=generator)
    if X.device != perm.device:
        perm = perm.to(X.device)
    loss_sum = torch.zeros((), device=device)
    entropy_sum = torch.zeros((), device=device)
    seen = 0
    slices = list(batch_slices(n, settings.batch_size))
    bar = tqdm(total=len(slices), desc=desc, disable=False if progress else (None if progress is None else True),
               leave=False, file=sys.stderr, unit="batch")
    with bar:
        for i, sl in enumerate(slices):
            idx = perm[sl]
            if skip_single and len(idx) < 2:  # BatchNorm cannot train on one sequence
                continue
            xb = to_device_batch(X, idx, device)
            yb = to_device_batch(y, idx, device)
            with amp_context(device, settings.amp):
                loss, entropy = batch_loss(model, xb, yb, lam)
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            b = len(idx)
            loss_sum += loss.detach() * b
            entropy_sum += entropy * b
            seen += b
            bar.update(1)
            if not bar.disable and (i % 20 == 0 or i == len(slices) - 1):
                bar.set_postfix(loss=f"{loss_sum.item() / seen:.4f}")
    seen = max(seen, 1)
    return loss_sum.item() / seen, entropy_sum.item() / seen


def _logits_and_entropy(amp: str):
    def func(model, xb):
        with amp_context(xb.device, amp):
            logits, probs = model(xb, return_attention=True)
        return logits.float(), attention_entropy(probs.float(), reduction="none")

    return func


def evaluate(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    device: torch.device,
    entropy_lambda: float = 0.0,
    amp: str = "off",
    label_names: Optional[List[str]] = None,
) -> dict:
    """Loss, entropy and AUCs of ``model`` on one split (through ``batching.predict``).

    X: shape=(n, 4, L) uint8; y: shape=(n, n_labels) uint8.
    Returns ``loss`` (Loss_c + lambda * Loss_e), ``bce``, ``entropy`` (Loss_e, mean per
    sequence), ``scores`` (np.ndarray (n, n_labels), logits) and ``metrics``
    (``classification_metrics``).
    """
    logits, entropy = predict(model, X, batch_size=batch_size, device=device, func=_logits_and_entropy(amp))
    target = y.float().cpu()
    bce = F.binary_cross_entropy_with_logits(logits, target).item()
    ent = entropy.mean().item()
    scores = logits.numpy()
    return {
        "loss": bce + entropy_lambda * ent,
        "bce": bce,
        "entropy": ent,
        "scores": scores,
        "metrics": classification_metrics(y.cpu().numpy(), scores, label_names),
    }


def write_history(path, rows: List[dict]) -> None:
    """Write the per-epoch history (``formats.HISTORY_COLUMNS``) atomically as TSV."""
    lines = ["\t".join(formats.HISTORY_COLUMNS)]
    for row in rows:
        cells = []
        for col in formats.HISTORY_COLUMNS:
            v = row.get(col)
            if col in ("epoch", "n_filters_ic") and v is not None:
                cells.append(str(int(v)))
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("NA")
            elif col == "seconds":
                cells.append(f"{v:.3f}")
            else:
                cells.append(f"{v:.6g}")
        lines.append("\t".join(cells))
    write_text(path, "\n".join(lines) + "\n")


@dataclass
class FitResult:
    """What ``fit`` returns. The model passed to ``fit`` holds the best weights."""

    best_epoch: int
    best_loss: float
    epochs_run: int
    stopped_early: bool
    history: List[dict] = field(default_factory=list)


def _constant(scores) -> bool:
    """True when every sequence got the same logits, scores shape=(n, n_labels) (n >= 2)."""
    return len(scores) >= 2 and float((scores.max(axis=0) - scores.min(axis=0)).max()) < 1e-6


def _state_copy(model: torch.nn.Module) -> dict:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def fit(
    model: torch.nn.Module,
    data: Dataset,
    settings: TrainSettings,
    device: torch.device,
    outdir: Optional[Path] = None,
    meta: Optional[dict] = None,
    resume: Optional[dict] = None,
    progress: Optional[bool] = None,
    monitor: Optional[torch.Tensor] = None,
) -> FitResult:
    """Train ``model`` on ``data``'s train split with early stopping on the valid split.

    Parameters
    ----------
    model: SatoriModel
        Freshly built (its initial weights come from the caller's seed) or, with
        ``resume``, of the checkpoint's architecture.
    data: Dataset
        Sequences (n, 4, L) uint8, labels (n, n_labels) and splits.
    settings: TrainSettings
        Validated settings; ``settings.seed`` seeds the batch order.
    device: torch.device
    outdir: Path or None
        If given, ``checkpoint.pt`` and ``history.tsv`` are written there atomically after
        every epoch (``meta`` is stored in the checkpoint: model config, settings, data
        fingerprint).
    resume: dict or None
        A checkpoint (``load_checkpoint``) to continue from: model, optimizer, epoch,
        best-so-far, early-stopping counter and random generator states.
    progress: bool or None
        Per-epoch tqdm bar on stderr (None: only on a terminal).
    monitor: torch.Tensor or None, shape=(m, 4, L) uint8
        Sequences on which each epoch's filter sharpness is measured
        (``satori.train.monitor.filter_information``: mean PWM information content of
        the filters with sites), recorded as ``filter_ic``/``n_filters_ic``; None = not
        measured (NA in the history).

    Returns a ``FitResult``; on return ``model`` holds the weights of the best epoch
    (lowest validation loss).
    """
    settings.validate()
    X_train, y_train = data.subset("train")
    X_valid, y_valid = data.subset("valid")
    model.to(device)
    if device.type == "cuda":  # the uint8 set is small: keep it on the GPU, index there
        X_train, y_train = X_train.to(device), y_train.to(device)
    optimizer = make_optimizer(model, settings)
    # each group's rate relative to --lr (the relative position bias runs at lr x lr_scale), read
    # from the fresh optimizer, before any resumed state: the schedule multiplies these
    lr_factors = [group["lr"] / settings.lr for group in optimizer.param_groups]
    scaler = torch.amp.GradScaler("cuda") if settings.amp == "fp16" else None
    generator = torch.Generator().manual_seed(settings.seed)

    epoch, best_loss, best_epoch, bad_epochs = 0, math.inf, 0, 0
    best_state, history = None, []
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        if scaler is not None and resume.get("scaler"):
            scaler.load_state_dict(resume["scaler"])
        epoch, best_epoch, bad_epochs = int(resume["epoch"]), int(resume["best_epoch"]), int(resume["bad_epochs"])
        best_loss = float(resume["best_loss"])
        best_state = resume["best_model"]
        history = [dict(row) for row in resume["history"]]
        restore_rng(resume["rng"], generator)
        log.info("resuming after epoch %d (best epoch %d, valid loss %.4f)", epoch, best_epoch, best_loss)

    warned_dead = False

    def stopped() -> bool:
        return settings.patience > 0 and bad_epochs >= settings.patience

    while epoch < settings.max_epochs and not stopped():
        start = time.perf_counter()
        current = epoch + 1
        lam = settings.lambda_at(current)
        for group, factor in zip(optimizer.param_groups, lr_factors):
            group["lr"] = settings.lr_at(current) * factor
        train_loss, train_entropy = train_epoch(
            model, X_train, y_train, optimizer, settings, device, generator, scaler,
            progress=progress, desc=f"epoch {current}/{settings.max_epochs}", entropy_lambda=lam,
        )
        if not math.isfinite(train_loss):
            raise InputError(
                f"training diverged at epoch {current} (loss {train_loss}); lower --lr"
                + (" or --entropy-lambda" if settings.entropy_lambda > 0 else "")
            )
        valid = evaluate(model, X_valid, y_valid, settings.batch_size, device, settings.entropy_lambda, settings.amp)
        seconds = time.perf_counter() - start
        filter_ic, n_filters_ic = math.nan, None
        if monitor is not None and len(monitor):
            filter_ic, n_filters_ic = filter_information(model, monitor, settings.batch_size, device)
        valid_auc = valid["metrics"]["mean_auc_roc"]
        improved = valid["loss"] < best_loss
        if improved:
            best_loss, best_epoch, bad_epochs = valid["loss"], current, 0
            best_state = _state_copy(model)
        else:
            bad_epochs += 1
        if not warned_dead and _constant(valid["scores"]):
            warned_dead = True
            log.warning(
                "epoch %d: the model's output is the same for every validation sequence (a dead readout: its "
                "ReLU units are off for all inputs, and they stay off); small models with the flatten readout "
                "do this - retrain with --readout mean (the default), and --batchnorm for a small model "
                "(BENCHMARKS.md, Training defaults)", current)
        epoch = current
        history.append({
            "epoch": current, "train_loss": train_loss, "train_entropy": train_entropy,
            "valid_loss": valid["loss"], "valid_auc": math.nan if valid_auc is None else valid_auc,
            "seconds": seconds, "valid_entropy": valid["entropy"], "entropy_lambda": lam,
            "filter_ic": filter_ic, "n_filters_ic": n_filters_ic,
        })
        log.info(
            "epoch %d/%d  train loss %.4f (entropy %.3f%s)  valid loss %.4f  valid AUC %s%s  %.1f s%s",
            current, settings.max_epochs, train_loss, train_entropy,
            f", lambda {lam:.3g}" if settings.entropy_warmup > 0 and settings.entropy_lambda > 0 else "",
            valid["loss"], "NA" if valid_auc is None else f"{valid_auc:.4f}",
            "" if math.isnan(filter_ic) else f"  filter IC {filter_ic:.2f} bits ({n_filters_ic} filters)", seconds,
            "  (best)" if improved else f"  ({bad_epochs} without improvement)",
        )
        if outdir is not None:
            save_checkpoint(Path(outdir) / formats.CHECKPOINT_PT, dict(
                meta or {},
                epoch=epoch, model=_state_copy(model), best_model=best_state if best_state is not None else _state_copy(model),
                optimizer=optimizer.state_dict(), scaler=scaler.state_dict() if scaler is not None else None,
                best_loss=best_loss, best_epoch=best_epoch, bad_epochs=bad_epochs,
                history=history, rng=capture_rng(generator),
            ))
            write_history(Path(outdir) / formats.HISTORY_TSV, history)

    if stopped():
        log.info("early stopping: no lower validation loss for %d epochs; best epoch %d", bad_epochs, best_epoch)
    if best_state is not None:
        model.load_state_dict(best_state)
    return FitResult(best_epoch=best_epoch, best_loss=best_loss, epochs_run=epoch,
                     stopped_early=stopped(), history=history)
