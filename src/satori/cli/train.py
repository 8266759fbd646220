"""Train a SATORI model (CNN + multi-head self-attention) on labelled sequences.

Reads a FASTA file and a labels.tsv (id, split, one 0/1 column per label: one column =
binary task, several = multi-label), trains with Loss = BCE + lambda * attention entropy
(--entropy-lambda, 0 = off) and early stopping on the validation loss, and writes a model
directory: model.pt (best weights), config.json, history.tsv, metrics.json (test AUC-ROC
and AUPRC per label), params.json, and checkpoint.pt (updated after every epoch, for
--resume).

While training runs, the directory holds only checkpoint.pt and history.tsv; model.pt,
config.json, metrics.json and params.json appear together when training has finished.
An interrupted run continues with the same command plus --resume DIR.
"""

import json
import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from satori import __version__, formats
from satori.atomic import staged_outdir, write_text
from satori.cli.common import CommonOptions, DeviceOptions, opt, options_dict, resolve_device, run_cli
from satori.data.dataset import load_dataset
from satori.errors import InputError
from satori.models import ARCHITECTURES, ModelConfig, build, save
from satori.train import (
    TrainSettings, check_resumable, evaluate, fit, load_checkpoint, resolve_amp, write_history,
)
from satori.train.loop import AMP_MODES, OPTIMIZERS

log = logging.getLogger("satori")

#: files of a model directory; a fresh run refuses a directory holding any of them
MODEL_FILES = (formats.MODEL_PT, formats.CONFIG_JSON, formats.CHECKPOINT_PT, formats.HISTORY_TSV,
               formats.METRICS_JSON, formats.PARAMS_JSON)


@dataclass(kw_only=True)
class Options(CommonOptions, DeviceOptions):
    fasta: str = opt(help="sequences (FASTA, plain or gzip), one record per labelled id")
    labels: str = opt(help="labels.tsv: id, split (train/valid/test; if absent: seeded 80/10/10), 0/1 label columns")
    outdir: Optional[str] = opt(None, "model directory to write (required unless --resume)")
    resume: Optional[str] = opt(
        None, "continue the interrupted run in this directory from its checkpoint.pt (repeat the original "
        "options; only --max-epochs, --patience, --amp, --device may change)")
    overwrite: bool = opt(False, "replace a model or checkpoint already in --outdir (otherwise an error)")
    length: Optional[int] = opt(None, "centre-crop or pad (with N) every sequence to this length; "
                                      "none = all sequences must have the same length")
    # model (defaults live in ModelConfig)
    arch: str = opt(ModelConfig.arch, "architecture", choices=sorted(ARCHITECTURES))
    n_filters: int = opt(ModelConfig.n_filters, "convolution filters F")
    filter_width: int = opt(ModelConfig.filter_width, "filter width k (bases)")
    pool: int = opt(ModelConfig.pool, "max-pooling window and stride p (1 = no pooling)")
    batchnorm: bool = opt(ModelConfig.batchnorm, "batch normalisation after the convolution")
    dropout: float = opt(ModelConfig.dropout, "dropout after pooling and in the readout")
    n_heads: int = opt(ModelConfig.n_heads, "attention heads h")
    head_dim: int = opt(ModelConfig.head_dim, "size d of each attention head")
    attn_dropout: float = opt(ModelConfig.attn_dropout, "dropout on the attention probabilities (after the entropy)")
    linear_units: int = opt(ModelConfig.linear_units, "units of the linear layer after attention")
    # training (defaults live in TrainSettings)
    entropy_lambda: float = opt(TrainSettings.entropy_lambda, "weight lambda of the attention entropy loss (0 = off)")
    max_epochs: int = opt(TrainSettings.max_epochs, "maximum number of epochs")
    patience: int = opt(TrainSettings.patience, "stop after this many epochs without a lower validation loss (0 = never)")
    batch_size: int = opt(TrainSettings.batch_size, "sequences per batch")
    lr: float = opt(TrainSettings.lr, "learning rate")
    optimizer: str = opt(TrainSettings.optimizer, "optimizer", choices=list(OPTIMIZERS))
    momentum: float = opt(TrainSettings.momentum, "momentum (SGD only)")
    weight_decay: float = opt(TrainSettings.weight_decay, "weight decay (L2)")
    amp: str = opt("auto", "mixed precision on CUDA (auto = bf16 where supported; always off on CPU)",
                   choices=list(AMP_MODES))


def _model_config(opts: Options, length: int, label_names: list) -> ModelConfig:
    return ModelConfig(
        length=length, n_labels=len(label_names), label_names=list(label_names), arch=opts.arch,
        n_filters=opts.n_filters, filter_width=opts.filter_width, pool=opts.pool, batchnorm=opts.batchnorm,
        dropout=opts.dropout, n_heads=opts.n_heads, head_dim=opts.head_dim, attn_dropout=opts.attn_dropout,
        linear_units=opts.linear_units,
    )


def _finite(v):
    return v if v is None or not isinstance(v, float) or math.isfinite(v) else None


def run(opts: Options) -> int:
    # --- validate every input before anything is created -------------------------------
    if opts.outdir is None and opts.resume is None:
        raise InputError("--outdir is required (or --resume DIR to continue a run)")
    resume_dir = Path(opts.resume) if opts.resume else None
    outdir = Path(opts.outdir) if opts.outdir else resume_dir
    if resume_dir is not None and outdir.resolve() != resume_dir.resolve():
        raise InputError(f"--outdir {outdir}: a resumed run continues in its own directory; omit --outdir or "
                         f"give --resume's directory {resume_dir}")
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"--outdir {outdir}: exists and is not a directory")
    device = resolve_device(opts.device)
    settings = TrainSettings(
        entropy_lambda=opts.entropy_lambda, max_epochs=opts.max_epochs, patience=opts.patience,
        batch_size=opts.batch_size, lr=opts.lr, optimizer=opts.optimizer, momentum=opts.momentum,
        weight_decay=opts.weight_decay, seed=opts.seed, amp=resolve_amp(opts.amp, device),
    )
    settings.validate()
    checkpoint = load_checkpoint(resume_dir) if resume_dir is not None else None
    stale = [f for f in MODEL_FILES if (outdir / f).exists()] if resume_dir is None else []
    if stale and not opts.overwrite:
        raise InputError(f"--outdir {outdir}: already holds {', '.join(stale)}; use --resume {outdir} to continue "
                         "that run, --overwrite to replace it, or another directory")
    data = load_dataset(opts.fasta, opts.labels, length=opts.length, seed=opts.seed)
    config = _model_config(opts, data.length, data.label_names)
    model = build(config)  # InputError for an impossible architecture (e.g. sequences too short)
    meta = {"model_config": config.to_dict(), "settings": settings.fixed(), "data_fingerprint": data.fingerprint()}
    if checkpoint is not None:
        check_resumable(checkpoint, meta["model_config"], meta["settings"], meta["data_fingerprint"], str(resume_dir))
    sizes = data.split_sizes()
    log.info("%d sequences of %d bp, %d label(s) (%s); train %d, valid %d, test %d; device %s, amp %s",
             len(data.ids), data.length, data.n_labels, "multi-label" if data.multilabel else "binary",
             sizes["train"], sizes["valid"], sizes["test"], device, settings.amp)

    # --- train: checkpoint.pt + history.tsv are rewritten after every epoch -------------
    created = not outdir.exists()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for name in stale:  # --overwrite: the old model goes only once the new inputs are known good
            (outdir / name).unlink()
        result = fit(model, data, settings, device, outdir=outdir, meta=meta, resume=checkpoint)
    except InputError:
        if created:  # bad settings (e.g. divergence): leave nothing behind
            shutil.rmtree(outdir, ignore_errors=True)
        raise
    except BaseException:
        # killed or crashed: keep a checkpoint so the run can be resumed, else leave nothing
        if created and not (outdir / formats.CHECKPOINT_PT).exists():
            shutil.rmtree(outdir, ignore_errors=True)
        raise

    # --- test metrics with the best weights; final outputs appear together --------------
    X_test, y_test = data.subset("test")
    test = evaluate(model, X_test, y_test, settings.batch_size, device, settings.entropy_lambda, settings.amp,
                    data.label_names)
    m = test["metrics"]
    for skip in m["skipped"]:
        log.warning("test metrics: label '%s' skipped: %s", skip["label"], skip["reason"])
    best_row = next((r for r in result.history if r["epoch"] == result.best_epoch), {})
    seconds = [r["seconds"] for r in result.history]
    metrics = {
        "satori_version": __version__,
        "task": "multi-label" if data.multilabel else "binary",
        "labels": data.label_names,
        "auc_roc": m["auc_roc"],
        "auprc": m["auprc"],
        "mean_auc_roc": m["mean_auc_roc"],
        "mean_auprc": m["mean_auprc"],
        "skipped_labels": m["skipped"],
        "test_loss": _finite(test["loss"]),
        "test_entropy": _finite(test["entropy"]),
        "best_epoch": result.best_epoch,
        "best_valid_loss": _finite(result.best_loss),
        "best_valid_auc": _finite(best_row.get("valid_auc")),
        "epochs_run": result.epochs_run,
        "stopped_early": result.stopped_early,
        "seconds_per_epoch": sum(seconds) / len(seconds) if seconds else None,
        "n": sizes,
        "split_generated": data.split_generated,
        "settings": dict(settings.__dict__, device=str(device)),
    }
    params = dict(options_dict(opts), satori_version=__version__,
                  resolved={"device": str(device), "amp": settings.amp, "outdir": str(outdir)})
    with staged_outdir(outdir) as stage:
        save(stage, model)
        write_history(stage / formats.HISTORY_TSV, result.history)
        write_text(stage / formats.METRICS_JSON, json.dumps(metrics, indent=2, allow_nan=False) + "\n")
        write_text(stage / formats.PARAMS_JSON, json.dumps(params, indent=2, allow_nan=False) + "\n")
    auc = m["mean_auc_roc"]
    log.info("best epoch %d; test AUC-ROC %s, AUPRC %s; wrote %s", result.best_epoch,
             "NA" if auc is None else f"{auc:.4f}",
             "NA" if m["mean_auprc"] is None else f"{m['mean_auprc']:.4f}", outdir)
    return 0


def main(argv=None):
    return run_cli("satori-train", Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
