"""Model selection for SATORI: seeded random hyperparameter search, or entropy-lambda selection.

--mode hyper (default): draws --trials configurations from the search space (the
paper's: filters, filter width, heads, head size, linear size, dropout, optimizer,
learning rate, momentum, weight decay, batch size; --space FILE replaces it) with a
generator seeded by --seed, trains each with --seeds-per-config seeds (--seed,
--seed+1, ...) through satori-train, and selects the model with the best validation
AUC. Every other satori-train flag given here is the fixed part of every trial.
Outputs in --outdir: search.tsv (every trial x seed: settings, validation and test
scores, status), best_config.json (the winning options, its scores, its model config
and the satori-train command that reproduces it), best_model/ (its model directory),
params.json.

--mode lambda: trains one model per entropy weight of --lambdas (default the paper's
log grid 1e-5, 1e-4, 1e-3, 1e-2) and seed, interprets the best seed of each lambda (by
validation AUC) with satori-filter-motifs -> satori-interpret-raw -> satori-evaluate
against --truth (the simulation's pairs.tsv), and selects the lambda with the best
interaction F1 (ties: higher precision, then smaller lambda). --config takes the
best_config.json of a hyper search (its options replace the flags). Outputs:
lambda_selection.tsv, best_lambda.json, best_model/, params.json, and the
interpretation outputs of each lambda in trials/lambda<value>-interpretation/.

The dataset must have a split column (a search compares models on one validation
split). It is a *selection* dataset: evaluate the chosen settings on other dataset
instances (other simulation seeds), never on this one; the fingerprint of the
selection data is recorded in best_config.json / best_lambda.json.

Trial models are trained in --outdir/trials/ (kept with --keep-trials, otherwise
removed at the end except the interpretation outputs); the final outputs appear
together when the search has finished.
"""

import dataclasses
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from satori import __version__, formats
from satori.atomic import staged_outdir, write_text
from satori.cli import train as train_cli
from satori.cli.common import CommonOptions, DeviceOptions, opt, options_dict, resolve_device, run_cli, seed_everything
from satori.data.dataset import load_dataset
from satori.errors import InputError
from satori.train import TrainSettings, search

log = logging.getLogger("satori")

MODES = ("hyper", "lambda")

#: the satori-train options a configuration consists of (model + training flags)
TRAIN_FIELDS = [f.name for f in dataclasses.fields(train_cli.ModelOptions)] + \
    [f.name for f in dataclasses.fields(train_cli.TrainingOptions)]


@dataclass(kw_only=True)
class SearchInputs:
    fasta: str = opt(help="sequences of the selection dataset (FASTA, plain or gzip)")
    labels: str = opt(help="its labels.tsv, with a split column (train/valid/test)")
    outdir: str = opt(help="output directory")
    length: Optional[int] = opt(None, "centre-crop or pad (with N) every sequence to this length")


@dataclass(kw_only=True)
class SearchOptions:
    mode: str = opt("hyper", "hyper: random search over hyperparameters by validation AUC; lambda: entropy-lambda "
                             "selection by interaction F1", choices=list(MODES))
    trials: int = opt(20, "--mode hyper: configurations to draw")
    seeds_per_config: int = opt(1, "models trained per configuration (seeds --seed, --seed+1, ...); the best by "
                                   "validation AUC counts (the paper: 3)")
    space: Optional[str] = opt(None, "--mode hyper: JSON file {option: [values] | {\"log_uniform\": [lo, hi]} | "
                                     "{\"uniform\": [lo, hi]} | {\"int_uniform\": [lo, hi]}} replacing the default "
                                     "search space")
    config: Optional[str] = opt(None, "a best_config.json (or best_lambda.json): its options replace the "
                                      "corresponding flags")
    lambdas: str = opt(",".join(f"{v:g}" for v in search.DEFAULT_LAMBDAS),
                       "--mode lambda: entropy weights to compare (comma-separated)")
    truth: Optional[str] = opt(None, "--mode lambda: the selection simulation's pairs.tsv")
    motif_db: Optional[str] = opt(None, "--mode lambda: motif database for satori-filter-motifs (e.g. the "
                                        "simulation's motifs.meme; default: its bundled JASPAR)")
    filter_motifs_args: str = opt("", "--mode lambda: extra satori-filter-motifs flags (one quoted string)")
    interpret_args: str = opt("", "--mode lambda: extra satori-interpret-raw flags (one quoted string)")
    keep_trials: bool = opt(False, "keep every trial's model directory in --outdir/trials")
    overwrite: bool = opt(False, "replace the outputs of an earlier search in --outdir")


@dataclass(kw_only=True)
class Options(SearchOptions, train_cli.TrainingOptions, train_cli.ModelOptions, SearchInputs, DeviceOptions,
              CommonOptions):
    """All flags of satori-search: inputs, the fixed satori-train flags, the search flags."""


OUTPUTS = (formats.SEARCH_TSV, formats.BEST_CONFIG_JSON, formats.BEST_MODEL_DIR, formats.LAMBDA_SELECTION_TSV,
           formats.BEST_LAMBDA_JSON, "trials")


def _read_json(path: str, flag: str) -> dict:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{flag} {path}: file not found")
    try:
        doc = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{flag} {path}: cannot parse JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{flag} {path}: expected a JSON object")
    return doc


def base_train_values(opts: Options) -> dict:
    """The fixed satori-train option values: the flags, then --config's ``options``."""
    values = {name: getattr(opts, name) for name in TRAIN_FIELDS}
    if opts.config:
        doc = _read_json(opts.config, "--config")
        given = doc.get("options")
        if not isinstance(given, dict):
            raise InputError(f"--config {opts.config}: no 'options' object (expected a best_config.json)")
        unknown = sorted(set(given) - set(TRAIN_FIELDS))
        if unknown:
            raise InputError(f"--config {opts.config}: unknown satori-train options {unknown}")
        values.update(given)
    return values


def train_command(values: dict, seed: int, fasta: str, labels: str, length: Optional[int]) -> str:
    """A satori-train command line reproducing a configuration (options differing from the defaults)."""
    import shlex

    defaults = train_cli.Options(fasta="", labels="")
    parts = ["satori-train", "--fasta", fasta, "--labels", labels, "--outdir", "MODEL_DIR", "--seed", str(seed)]
    if length is not None:
        parts += ["--length", str(length)]
    for name in TRAIN_FIELDS:
        value = values[name]
        if value == getattr(defaults, name):
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            parts.append(flag)
        elif value is not None:
            parts += [flag, str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def make_train_fn(opts: Options, base_values: dict):
    """``train_fn(params, seed, model_dir)`` running satori-train's ``run`` in-process."""

    def train_fn(params: dict, seed: int, model_dir: Path) -> dict:
        values = dict(base_values, **params)
        topts = train_cli.Options(
            fasta=opts.fasta, labels=opts.labels, outdir=str(model_dir), length=opts.length, overwrite=True,
            seed=seed, threads=opts.threads, log_level=opts.log_level, device=opts.device, **values,
        )
        seed_everything(seed)
        train_cli.run(topts)
        return json.loads((Path(model_dir) / formats.METRICS_JSON).read_text())

    return train_fn


def _copy_model(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for item in sorted(Path(src).iterdir()):
        if item.is_file() and item.name != formats.CHECKPOINT_PT:
            shutil.copy2(item, dst / item.name)


def _cleanup(workdir: Path, keep: bool) -> None:
    if keep or not workdir.is_dir():
        return
    for item in workdir.iterdir():
        if item.is_dir() and not item.name.endswith("-interpretation"):
            shutil.rmtree(item, ignore_errors=True)
    if not any(workdir.iterdir()):
        workdir.rmdir()


def _check(opts: Options) -> None:
    if opts.trials < 1:
        raise InputError(f"--trials {opts.trials}: must be >= 1")
    if opts.seeds_per_config < 1:
        raise InputError(f"--seeds-per-config {opts.seeds_per_config}: must be >= 1")
    if opts.mode == "lambda":
        if not opts.truth:
            raise InputError("--mode lambda needs --truth (the selection simulation's pairs.tsv)")
        if not Path(opts.truth).is_file():
            raise InputError(f"--truth {opts.truth}: file not found")
        if opts.motif_db and not Path(opts.motif_db).is_file():
            raise InputError(f"--motif-db {opts.motif_db}: file not found")
    outdir = Path(opts.outdir)
    stale = [name for name in OUTPUTS if (outdir / name).exists()]
    if stale and not opts.overwrite:
        raise InputError(f"--outdir {opts.outdir}: already holds {', '.join(stale)}; use --overwrite or another directory")


def run(opts: Options) -> int:
    # --- validate everything before training anything ------------------------------------
    _check(opts)
    device = resolve_device(opts.device)
    base_values = base_train_values(opts)
    TrainSettings(
        entropy_lambda=base_values["entropy_lambda"], max_epochs=base_values["max_epochs"],
        patience=base_values["patience"], batch_size=base_values["batch_size"], lr=base_values["lr"],
        optimizer=base_values["optimizer"], momentum=base_values["momentum"],
        weight_decay=base_values["weight_decay"],
    ).validate()
    seeds = [opts.seed + j for j in range(opts.seeds_per_config)]
    if opts.mode == "hyper":
        space = search.check_space(_read_json(opts.space, "--space") if opts.space else dict(search.DEFAULT_SPACE))
        if base_values["preload_motifs"]:
            dropped = [k for k in search.PRELOADED_FIXED if k in space]
            space = {k: v for k, v in space.items() if k not in search.PRELOADED_FIXED}
            if dropped:
                log.info("pre-loaded filters: %s come from the motifs and are not searched", ", ".join(dropped))
            if not space:
                raise InputError("--space: nothing left to search with --preload-motifs")
        configs = search.sample_configs(space, opts.trials, opts.seed)
    else:
        lambdas = search.parse_lambdas(opts.lambdas)
        if not search.interaction_tools_available():
            raise InputError("--mode lambda needs satori-filter-motifs, satori-interpret-raw and satori-evaluate "
                             "(satori.cli.filter_motifs, .interpret_raw, .evaluate), which are not installed here")
    data = load_dataset(opts.fasta, opts.labels, length=opts.length, seed=opts.seed)
    if data.split_generated:
        raise InputError(f"--labels {opts.labels}: a search needs a split column (train/valid/test) so that every "
                         "trial is validated on the same sequences")
    fingerprint = data.fingerprint()
    del data

    outdir = Path(opts.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    workdir = outdir / "trials"
    if workdir.exists():  # --overwrite (checked above)
        shutil.rmtree(workdir)
    for name in OUTPUTS:
        target = outdir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    train_fn = make_train_fn(opts, base_values)
    selection_data = {"fasta": str(opts.fasta), "labels": str(opts.labels), "fingerprint": fingerprint}
    params = dict(options_dict(opts), satori_version=__version__, resolved={"device": str(device), "seeds": seeds})

    if opts.mode == "hyper":
        trials = search.random_search(configs, seeds, train_fn, workdir)
        winner = search.best(trials)
        names = sorted(configs[0])
        table = search.search_table(trials, winner, names)
        values = dict(base_values, **winner.params)
        doc = {
            "satori_version": __version__, "mode": "hyper", "trial": winner.trial, "seed": winner.seed,
            "valid_auc": winner.valid_auc, "valid_loss": winner.valid_loss,
            "test_auc": winner.metrics.get("mean_auc_roc"), "searched": winner.params,
            "options": values, "model_config": _model_config_of(winner.model_dir),
            "command": train_command(values, winner.seed, opts.fasta, opts.labels, opts.length),
            "selection_data": selection_data,
        }
        with staged_outdir(outdir) as stage:
            write_text(stage / formats.SEARCH_TSV, search.format_tsv(table))
            write_text(stage / formats.BEST_CONFIG_JSON, json.dumps(doc, indent=2) + "\n")
            _copy_model(winner.model_dir, stage / formats.BEST_MODEL_DIR)
            write_text(stage / formats.PARAMS_JSON, json.dumps(params, indent=2) + "\n")
        log.info("best: trial %d seed %d, valid AUC %.4f (%s); wrote %s", winner.trial, winner.seed,
                 winner.valid_auc, " ".join(f"{k}={v}" for k, v in winner.params.items()), outdir)
    else:

        def interpret_fn(model_dir: Path, where: Path) -> dict:
            return search.interaction_evaluation(
                model_dir, opts.fasta, opts.labels, opts.truth, where, motif_db=opts.motif_db, device=opts.device,
                seed=opts.seed, threads=opts.threads, filter_motifs_args=opts.filter_motifs_args,
                interpret_args=opts.interpret_args, log_level="WARNING",
            )

        results = search.lambda_selection(lambdas, seeds, train_fn, interpret_fn, workdir)
        winner = search.best_lambda(results)
        table = search.lambda_table(results, winner)
        values = dict(base_values, entropy_lambda=winner.entropy_lambda)
        chosen = winner.chosen
        doc = {
            "satori_version": __version__, "mode": "lambda", "entropy_lambda": winner.entropy_lambda,
            "seed": chosen.seed, "valid_auc": chosen.valid_auc, "test_auc": chosen.metrics.get("mean_auc_roc"),
            "precision": winner.evaluation.get("precision"), "recall": winner.evaluation.get("recall"),
            "f1": winner.evaluation.get("f1"), "truth": str(opts.truth), "motif_db": opts.motif_db,
            "options": values, "model_config": _model_config_of(chosen.model_dir),
            "command": train_command(values, chosen.seed, opts.fasta, opts.labels, opts.length),
            "selection_data": selection_data,
        }
        with staged_outdir(outdir) as stage:
            write_text(stage / formats.LAMBDA_SELECTION_TSV, search.format_tsv(table))
            write_text(stage / formats.BEST_LAMBDA_JSON, json.dumps(doc, indent=2) + "\n")
            _copy_model(chosen.model_dir, stage / formats.BEST_MODEL_DIR)
            write_text(stage / formats.PARAMS_JSON, json.dumps(params, indent=2) + "\n")
        log.info("best lambda %g: interaction F1 %.3f (precision %s, recall %s); wrote %s", winner.entropy_lambda,
                 winner.f1, winner.evaluation.get("precision"), winner.evaluation.get("recall"), outdir)
    _cleanup(workdir, opts.keep_trials)
    return 0


def _model_config_of(model_dir: Path) -> dict:
    return json.loads((Path(model_dir) / formats.CONFIG_JSON).read_text())


def main(argv: Optional[List[str]] = None):
    return run_cli("satori-search", Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
