"""Score inferred TF interactions against the truth of a simulation.

Reads a tf_interactions.tsv (--interactions, from satori-interpret-raw and the other
interpreters) and the simulation's pairs.tsv (--truth). TF pairs are unordered and
compared by name, case-insensitively (heterodimer names like MAX::MYC are kept
whole); same-TF pairs are ignored. Predicted = q < --q-threshold.

Output in --outdir: evaluation.json (precision, recall, F1, the TP/FP/FN pair lists,
the precision-recall curve over every q of the table, average precision, the
settings and --db-label: free text naming the motif database the filters were
annotated with, e.g. "jaspar" for JASPAR2024 CORE vertebrates or "simulation" for the
simulation's own motifs.meme — report both side by side), and params.json.
"""

import json
from dataclasses import dataclass

from satori import __version__, formats
from satori.atomic import staged_outdir
from satori.cli.common import LogOptions, log, opt, params_json, run_cli
from satori.evaluate import evaluate, read_predictions, read_truth
from satori.schema import Evaluation, missing_keys

PROG = "satori-evaluate"


@dataclass(kw_only=True)
class Options(LogOptions):
    interactions: str = opt(help="tf_interactions.tsv to evaluate")
    truth: str = opt(help="the simulation's pairs.tsv (tf1, tf2, motif1, motif2)")
    outdir: str = opt(help="output directory")
    q_threshold: float = opt(0.05, "a TF pair is predicted when its q < this")
    db_label: str = opt("", "free text recorded in evaluation.json: the motif database used (e.g. jaspar, simulation)")


def run(opts: Options) -> int:
    truth = read_truth(opts.truth)
    predictions = read_predictions(opts.interactions)
    result = evaluate(predictions, truth, opts.q_threshold)
    doc = {
        "tool": PROG, "satori_version": __version__, Evaluation.DB_LABEL: opts.db_label,
        Evaluation.METHODS: predictions.attrs.get("methods", []),
        Evaluation.INTERACTIONS: str(opts.interactions), "truth": str(opts.truth),
        **result,
    }
    gone = missing_keys(doc, Evaluation.KEYS)
    if gone:  # the readers (satori-report, satori-summarize) look these up by name
        raise RuntimeError(f"evaluation.json would lack {', '.join(gone)} (see satori.schema.Evaluation)")
    log.info("precision %.3f recall %.3f F1 %.3f (TP %d, FP %d, FN %d at q < %g)", result["precision"],
             result["recall"], result["f1"], result["n_tp"], result["n_fp"], result["n_fn"], opts.q_threshold)
    with staged_outdir(opts.outdir) as stage:
        (stage / formats.EVALUATION_JSON).write_text(json.dumps(doc, indent=2) + "\n")
        (stage / formats.PARAMS_JSON).write_text(params_json(PROG, opts))
    return 0


def main(argv=None):
    return run_cli(PROG, Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
