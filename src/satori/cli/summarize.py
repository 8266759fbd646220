"""satori-summarize: one table of AUC and precision/recall/F1 for many benchmark configurations.

Reads a manifest TSV with one row per configuration: ``id``, ``evaluation`` (path of an
``evaluation.json`` from satori-evaluate), optionally ``metrics`` (path of the model's
``metrics.json`` from satori-train), and any descriptor columns (dataset, entropy_lambda,
db, method, ...). Paths are relative to the manifest's directory. Writes
``benchmark_summary.tsv`` (descriptors, then auc, precision, recall, f1, tp, fp, fn) and
``params.json`` into --outdir.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from satori import __version__, formats
from satori.atomic import staged_outdir
from satori.cli.common import LogOptions, log, options_dict, opt, run_cli
from satori.summarize import describe, format_summary, read_manifest, summarize

PROG = "satori-summarize"


@dataclass(kw_only=True)
class Options(LogOptions):
    manifest: str = opt(help="TSV, one row per configuration: id, evaluation, [metrics], descriptor columns")
    outdir: str = opt(help="output directory (benchmark_summary.tsv, params.json)")


def run(opts: Options) -> int:
    manifest_path = Path(opts.manifest)
    manifest = read_manifest(manifest_path)
    summary = summarize(manifest, base_dir=manifest_path.parent)
    log.info("%s", describe(summary))

    with staged_outdir(opts.outdir) as stage:
        (stage / formats.BENCHMARK_SUMMARY_TSV).write_text(format_summary(summary), encoding="utf-8")
        params = {"tool": PROG, "satori_version": __version__, "options": options_dict(opts)}
        (stage / formats.PARAMS_JSON).write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv=None):
    return run_cli(PROG, Options, run, __doc__, argv)
