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

Defaults that differ from the paper's model (BENCHMARKS.md, "Training defaults"): the
readout is the mean over positions (--readout mean; with the paper's --readout flatten
small models die - the output becomes constant, valid AUC 0.5000, and satori-train
warns), attention has a learned bias per head and offset (--relative-positions on;
without it attention cannot tell a partner 10 bp away from one 200 bp away), and the
learning rate is 3e-3. The paper's architecture: --readout flatten --relative-positions
off. --batchnorm helps small datasets (a few thousand sequences) and costs AUC at full
size. With --entropy-lambda > 0, --entropy-warmup W trains epoch 1 on the classifier
alone and ramps lambda in over W epochs (epoch e uses lambda * min(1, (e - 1) / W)), so
the entropy term cannot switch attention off before the filters exist; history.tsv
records each epoch's lambda, attention entropy and the mean information content of the
filters (--monitor-seqs).

Variants (recorded in config.json): --arch deep (SEI-inspired convolutions along the
sequence after attention), --rnn (bidirectional LSTM before attention),
--positional-encoding, --relative-positions on|off, --residual-attention, and --preload-motifs FILE|jaspar (first
conv = motif log-odds PSSMs on both strands, frozen).
"""

import json
import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from satori import __version__, formats
from satori.atomic import staged_outdir, write_text
from satori.cli.common import (
    CommonOptions, DeviceOptions, check_outdir, opt, options_dict, resolve_device, run_cli,
)
from satori.data.dataset import load_dataset
from satori.errors import InputError
from satori.models import ARCHITECTURES, ModelConfig, build, preloaded, save
from satori.models.satori import READOUTS
from satori.motifs import jaspar
from satori.schema import Metrics
from satori.train import (
    TrainSettings, check_resumable, evaluate, fit, load_checkpoint, resolve_amp, write_history,
)
from satori.train.loop import AMP_MODES, LR_SCHEDULES, OPTIMIZERS

log = logging.getLogger("satori")

RESIDUAL_CHOICES = ("auto", "on", "off")

#: files of a model directory; a fresh run refuses a directory holding any of them
MODEL_FILES = (formats.MODEL_PT, formats.CONFIG_JSON, formats.CHECKPOINT_PT, formats.HISTORY_TSV,
               formats.METRICS_JSON, formats.PARAMS_JSON)


@dataclass(kw_only=True)
class ModelOptions:
    """The architecture flags (defaults live in ``ModelConfig``); shared with satori-search."""

    arch: str = opt(ModelConfig.arch, "architecture: basic (attention -> linear readout) or deep (SEI-inspired "
                                      "convolutions after attention)", choices=sorted(ARCHITECTURES))
    n_filters: int = opt(ModelConfig.n_filters, "convolution filters F")
    filter_width: int = opt(ModelConfig.filter_width, "filter width k (bases)")
    pool: int = opt(ModelConfig.pool, "max-pooling window and stride p (1 = no pooling)")
    batchnorm: bool = opt(ModelConfig.batchnorm, "batch normalisation after the convolution")
    dropout: float = opt(ModelConfig.dropout, "dropout after pooling and in the readout")
    n_heads: int = opt(ModelConfig.n_heads, "attention heads h")
    head_dim: int = opt(ModelConfig.head_dim, "size d of each attention head")
    attn_dropout: float = opt(ModelConfig.attn_dropout, "dropout on the attention probabilities (after the entropy)")
    linear_units: int = opt(ModelConfig.linear_units, "units of the linear layer after attention")
    readout: str = opt("mean", "basic head after that layer: flatten (one weight per position, the "
                       "paper) or mean (mean over positions: counts motifs wherever they sit)",
                       choices=list(READOUTS))
    # variants
    rnn: bool = opt(ModelConfig.rnn, "bidirectional LSTM between the conv block and attention (SATORI v1)")
    rnn_hidden: int = opt(ModelConfig.rnn_hidden, "LSTM units per direction with --rnn (0 = ceil(F / 2))")
    positional_encoding: bool = opt(ModelConfig.positional_encoding,
                                    "add a sinusoidal positional encoding to the attention input")
    # not ModelConfig's default (False), which a config.json written before the field existed relies on
    relative_positions: str = opt(
        "on", "a learned attention bias per head and offset between positions, so attention can see "
        "distance (on/off)", choices=["on", "off"])
    residual_attention: str = opt(
        "auto", "add the conv block's output to the attention output (auto = on for --arch deep with "
        "--entropy-lambda > 0, the paper's setting)", choices=list(RESIDUAL_CHOICES))
    deep_channels: int = opt(ModelConfig.deep_channels, "--arch deep: channels of its convolutions")
    deep_kernel: int = opt(ModelConfig.deep_kernel, "--arch deep: kernel width of its convolutions")
    deep_blocks: int = opt(ModelConfig.deep_blocks, "--arch deep: residual dual linear/non-linear sub-blocks")
    deep_dilations: str = opt(",".join(str(d) for d in ModelConfig.deep_dilations),
                              "--arch deep: dilations of the residual dilated convolutions (comma-separated)")
    preload_motifs: Optional[str] = opt(
        None, "pre-load the first conv with motif PSSMs (both strands) and freeze it: a MEME file, or 'jaspar' "
        "for the bundled JASPAR release clustered by TomTom (replaces --n-filters/--filter-width)")
    cluster_threshold: Optional[float] = opt(
        None, "with --preload-motifs: TomTom p-value at which motifs are clustered, one representative kept "
        "per cluster (none = 1e-3 for jaspar, no clustering for a file; 0 = off)")
    jaspar_release: str = opt(jaspar.DEFAULT_RELEASE, "with --preload-motifs jaspar: the bundled JASPAR release")
    jaspar_collection: str = opt(jaspar.DEFAULT_COLLECTION, "with --preload-motifs jaspar: JASPAR collection")
    jaspar_tax_group: str = opt(jaspar.DEFAULT_TAX_GROUP, "with --preload-motifs jaspar: taxonomic group or 'all'")


@dataclass(kw_only=True)
class TrainingOptions:
    """The training flags (defaults live in ``TrainSettings``); shared with satori-search."""

    entropy_lambda: float = opt(TrainSettings.entropy_lambda, "weight lambda of the attention entropy loss (0 = off)")
    entropy_warmup: int = opt(TrainSettings.entropy_warmup,
                              "epochs over which lambda ramps up: epoch e uses lambda * min(1, (e-1)/W), so the "
                              "filters form before the entropy term sharpens attention (0 = full lambda from "
                              "epoch 1, the paper); early stopping always compares the full-lambda loss")
    max_epochs: int = opt(TrainSettings.max_epochs, "maximum number of epochs")
    patience: int = opt(TrainSettings.patience, "stop after this many epochs without a lower validation loss (0 = never)")
    batch_size: int = opt(TrainSettings.batch_size, "sequences per batch")
    lr: float = opt(TrainSettings.lr, "learning rate")
    lr_schedule: str = opt(TrainSettings.lr_schedule, "learning rate over the epochs: constant, or cosine (from --lr "
                                                     "down along half a cosine over --max-epochs)",
                           choices=list(LR_SCHEDULES))
    optimizer: str = opt(TrainSettings.optimizer, "optimizer", choices=list(OPTIMIZERS))
    momentum: float = opt(TrainSettings.momentum, "momentum (SGD only)")
    weight_decay: float = opt(TrainSettings.weight_decay, "weight decay (L2)")
    monitor_seqs: int = opt(500, "validation positives on which each epoch's filter sharpness (mean information "
                                 "content of the filters with >= 10 sites) is measured for history.tsv (0 = off)")
    amp: str = opt("auto", "mixed precision on CUDA (auto = bf16 where supported; always off on CPU)",
                   choices=list(AMP_MODES))


@dataclass(kw_only=True)
class InputOptions:
    fasta: str = opt(help="sequences (FASTA, plain or gzip), one record per labelled id")
    labels: str = opt(help="labels.tsv: id, split (train/valid/test; if absent: seeded 80/10/10), 0/1 label columns")
    outdir: Optional[str] = opt(None, "model directory to write (required unless --resume)")
    resume: Optional[str] = opt(
        None, "continue the interrupted run in this directory from its checkpoint.pt (repeat the original "
        "options; only --max-epochs, --patience, --amp, --device may change)")
    overwrite: bool = opt(False, "replace a model or checkpoint already in --outdir (otherwise an error)")
    length: Optional[int] = opt(None, "centre-crop or pad (with N) every sequence to this length; "
                                      "none = all sequences must have the same length")


@dataclass(kw_only=True)
class Options(TrainingOptions, ModelOptions, InputOptions, DeviceOptions, CommonOptions):
    """All flags of satori-train (help lists common, inputs, model, training in that order)."""


def _parse_dilations(text: str) -> tuple:
    try:
        values = tuple(int(v) for v in str(text).split(",") if v.strip())
    except ValueError:
        values = ()
    if not values or any(v < 1 for v in values):
        raise InputError(f"--deep-dilations {text!r}: expected comma-separated positive integers, e.g. 2,4,8")
    return values


def residual_attention_on(opts) -> bool:
    """Resolve ``--residual-attention auto|on|off`` (auto: deep with lambda > 0)."""
    if opts.residual_attention == "auto":
        return opts.arch == "deep" and opts.entropy_lambda > 0
    return opts.residual_attention == "on"


def model_config(opts, length: int, label_names: list) -> Tuple[ModelConfig, Optional[np.ndarray]]:
    """The ``ModelConfig`` of the model/training options, and the pre-loaded filters.

    opts: any options object with the ``ModelOptions`` and ``TrainingOptions`` fields
    (and ``threads``). Returns ``(config, weights)``: ``weights`` (F, 4, k) are the
    PSSM filters to load (``preloaded.load_filters``) with ``--preload-motifs``, else None.
    """
    config = ModelConfig(
        length=length, n_labels=len(label_names), label_names=list(label_names), arch=opts.arch,
        n_filters=opts.n_filters, filter_width=opts.filter_width, pool=opts.pool, batchnorm=opts.batchnorm,
        dropout=opts.dropout, n_heads=opts.n_heads, head_dim=opts.head_dim, attn_dropout=opts.attn_dropout,
        linear_units=opts.linear_units, readout=opts.readout, rnn=opts.rnn, rnn_hidden=opts.rnn_hidden,
        positional_encoding=opts.positional_encoding, relative_positions=opts.relative_positions == "on",
        residual_attention=residual_attention_on(opts),
        deep_channels=opts.deep_channels, deep_kernel=opts.deep_kernel, deep_blocks=opts.deep_blocks,
        deep_dilations=_parse_dilations(opts.deep_dilations),
    )
    if not opts.preload_motifs:
        if opts.cluster_threshold is not None:
            raise InputError("--cluster-threshold applies only with --preload-motifs")
        return config, None
    motifs = preloaded.select_motifs(
        opts.preload_motifs, opts.cluster_threshold, opts.jaspar_release, opts.jaspar_collection,
        opts.jaspar_tax_group, threads=max(1, getattr(opts, "threads", 1) or 1),
    )
    config, weights = preloaded.preloaded_config(config, motifs)
    log.info("pre-loaded %d motifs from %s as %d frozen filters of width %d", len(motifs), opts.preload_motifs,
             config.n_filters, config.filter_width)
    return config, weights


def describe(config: ModelConfig) -> str:
    """One line naming the architecture and its variants (for the log)."""
    parts = [config.arch, f"F={config.n_filters} k={config.filter_width} p={config.pool}",
             f"h={config.n_heads} d={config.head_dim}"]
    if config.arch == "basic":
        parts.append(f"{config.readout} readout")
    if config.batchnorm:
        parts.append("batch norm")
    if config.preloaded:
        parts.append("pre-loaded filters (frozen)")
    if config.rnn:
        parts.append(f"BiLSTM {config.rnn_units}x2")
    if config.positional_encoding:
        parts.append("positional encoding")
    if config.relative_positions:
        parts.append("relative position bias")
    if config.residual_attention:
        parts.append("residual conv->attention")
    if config.arch == "deep":
        parts.append(f"deep {config.deep_blocks} blocks x {config.deep_channels} ch, dilations "
                     f"{','.join(map(str, config.deep_dilations))}")
    return ", ".join(parts)


def build_model(config: ModelConfig, weights: Optional[np.ndarray]):
    """``build(config)`` plus the pre-loaded filters, if any."""
    model = build(config)  # InputError for an impossible architecture (e.g. sequences too short)
    if weights is not None:
        preloaded.load_filters(model, weights)
    return model


def _finite(v):
    return v if v is None or not isinstance(v, float) or math.isfinite(v) else None


def monitor_sequences(data, n: int):
    """The first ``n`` validation sequences positive for any label, shape=(m, 4, L) uint8 (None if n = 0)."""
    if n < 0:
        raise InputError("--monitor-seqs must be >= 0")
    if n == 0:
        return None
    X_valid, y_valid = data.subset("valid")
    return X_valid[y_valid.bool().any(dim=1)][:n]


def run(opts: Options) -> int:
    # --- validate every input before anything is created -------------------------------
    if opts.outdir is None and opts.resume is None:
        raise InputError("--outdir is required (or --resume DIR to continue a run)")
    resume_dir = Path(opts.resume) if opts.resume else None
    outdir = Path(opts.outdir) if opts.outdir else resume_dir
    if resume_dir is not None and outdir.resolve() != resume_dir.resolve():
        raise InputError(f"--outdir {outdir}: a resumed run continues in its own directory; omit --outdir or "
                         f"give --resume's directory {resume_dir}")
    check_outdir(outdir)  # run_cli checked --outdir; this covers --resume's directory too
    device = resolve_device(opts.device)
    settings = TrainSettings(
        entropy_lambda=opts.entropy_lambda, entropy_warmup=opts.entropy_warmup, max_epochs=opts.max_epochs, patience=opts.patience,
        batch_size=opts.batch_size, lr=opts.lr, lr_schedule=opts.lr_schedule, optimizer=opts.optimizer, momentum=opts.momentum,
        weight_decay=opts.weight_decay, seed=opts.seed, amp=resolve_amp(opts.amp, device),
    )
    settings.validate()
    if opts.monitor_seqs < 0:
        raise InputError("--monitor-seqs must be >= 0")
    checkpoint = load_checkpoint(resume_dir) if resume_dir is not None else None
    stale = [f for f in MODEL_FILES if (outdir / f).exists()] if resume_dir is None else []
    if stale and not opts.overwrite:
        raise InputError(f"--outdir {outdir}: already holds {', '.join(stale)}; use --resume {outdir} to continue "
                         "that run, --overwrite to replace it, or another directory")
    data = load_dataset(opts.fasta, opts.labels, length=opts.length, seed=opts.seed)
    config, weights = model_config(opts, data.length, data.label_names)
    model = build_model(config, weights)
    meta = {"model_config": config.to_dict(), "settings": settings.fixed(), "data_fingerprint": data.fingerprint()}
    if checkpoint is not None:
        check_resumable(checkpoint, meta["model_config"], meta["settings"], meta["data_fingerprint"], str(resume_dir))
    sizes = data.split_sizes()
    log.info("%d sequences of %d bp, %d label(s) (%s); train %d, valid %d, test %d; device %s, amp %s",
             len(data.ids), data.length, data.n_labels, "multi-label" if data.multilabel else "binary",
             sizes["train"], sizes["valid"], sizes["test"], device, settings.amp)
    log.info("model: %s", describe(config))

    # --- train: checkpoint.pt + history.tsv are rewritten after every epoch -------------
    created = not outdir.exists()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for name in stale:  # --overwrite: the old model goes only once the new inputs are known good
            (outdir / name).unlink()
        result = fit(model, data, settings, device, outdir=outdir, meta=meta, resume=checkpoint,
                     monitor=monitor_sequences(data, opts.monitor_seqs))
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
        Metrics.AUC_ROC: m["auc_roc"],
        Metrics.AUPRC: m["auprc"],
        Metrics.MEAN_AUC_ROC: m["mean_auc_roc"],
        Metrics.MEAN_AUPRC: m["mean_auprc"],
        "skipped_labels": m["skipped"],
        "test_loss": _finite(test["loss"]),
        "test_entropy": _finite(test["entropy"]),
        "best_epoch": result.best_epoch,
        "best_valid_loss": _finite(result.best_loss),
        "best_valid_auc": _finite(best_row.get("valid_auc")),
        "best_valid_entropy": _finite(best_row.get("valid_entropy")),
        "best_filter_ic": _finite(best_row.get("filter_ic")),
        "epochs_run": result.epochs_run,
        "stopped_early": result.stopped_early,
        "seconds_per_epoch": sum(seconds) / len(seconds) if seconds else None,
        "n": sizes,
        Metrics.SPLIT_GENERATED: data.split_generated,
        # the interpreters read the data as train did: the same split, the same --length
        Metrics.SPLIT_SEED: opts.seed if data.split_generated else None,
        Metrics.FIT_LENGTH: opts.length,
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
