"""Score inferred TF interactions against the truth of a simulation.

Reads a tf_interactions.tsv (--interactions, from satori-interpret-raw and the other
interpreters) or satori-implant's implant.tsv (predicted = q < --q-threshold and
cooperativity > 0, or with --min-cooperativity X: cooperativity >= X) and the simulation's pairs.tsv (--truth). TF pairs are unordered and
compared by name, case-insensitively (heterodimer names like MAX::MYC are kept
whole); same-TF pairs are ignored. Predicted = q < --q-threshold.

Output in --outdir: evaluation.json (precision, recall, F1, the TP/FP/FN pair lists,
the precision-recall curve over every q of the table, average precision, the
settings and --db-label: free text naming the motif database the filters were
annotated with, e.g. "jaspar" for JASPAR2024 CORE vertebrates or "simulation" for the
simulation's own motifs.meme — report both side by side), and params.json.

Two levels in the one evaluation.json: exact TF names (the top-level precision,
recall, f1, ...) and, when the table has the motif-cluster columns of
satori-filter-motifs, motif clusters ("cluster": a predicted pair matches a true pair
when each side's cluster holds one of the true TFs). Beside each level,
"random_baseline" is the expected precision/recall/F1 of as many random pairs of the
named TFs (or clusters) — seeded Monte Carlo, --n-draws draws, --seed — so cluster
credit cannot inflate a result unnoticed. With --clusters cluster_interactions.tsv the
cluster level takes that table's cluster pairs and their q (each tested itself by the
interpreter, --tf-test pooled) rather than the TF pairs merged to clusters.
"""

import json
from dataclasses import dataclass
from typing import Optional

from satori import __version__, formats
from satori.atomic import staged_outdir
from satori.cli.common import LogOptions, log, opt, params_json, run_cli
from satori.errors import InputError
from satori.evaluate import (
    evaluate, evaluate_clusters, exact_baseline, read_cluster_predictions, read_cluster_table, read_predictions, read_truth,
)
from satori.schema import Evaluation, missing_keys

PROG = "satori-evaluate"


@dataclass(kw_only=True)
class Options(LogOptions):
    interactions: str = opt(help="tf_interactions.tsv to evaluate")
    clusters: Optional[str] = opt(None, "cluster_interactions.tsv of the same run: the cluster level scores its "
                                        "cluster pairs by their own q (tested with the filters of each cluster "
                                        "pooled) instead of the TF pairs of --interactions merged to clusters")
    truth: str = opt(help="the simulation's pairs.tsv (tf1, tf2, motif1, motif2)")
    outdir: str = opt(help="output directory")
    q_threshold: float = opt(0.05, "a TF pair is predicted when its q < this")
    min_cooperativity: Optional[float] = opt(None, "implant.tsv only: predicted = cooperativity >= this "
                                                   "(a score cut instead of q)")
    db_label: str = opt("", "free text recorded in evaluation.json: the motif database used (e.g. jaspar, simulation)")
    n_draws: int = opt(1000, "random draws for the random-pair baseline")
    seed: int = opt(0, "seed of the random-pair baseline's draws; same seed, same baseline")


def run(opts: Options) -> int:
    if opts.n_draws < 1:
        raise InputError(f"--n-draws {opts.n_draws}: must be >= 1")
    truth = read_truth(opts.truth)
    predictions = read_predictions(opts.interactions, opts.min_cooperativity)
    result = evaluate(predictions, truth, opts.q_threshold)
    result[Evaluation.RANDOM_BASELINE] = exact_baseline(predictions, truth, result["n_predicted"], opts.n_draws, opts.seed)
    clusters = read_cluster_table(opts.clusters) if opts.clusters else read_cluster_predictions(opts.interactions)
    doc = {
        "tool": PROG, "satori_version": __version__, Evaluation.DB_LABEL: opts.db_label,
        Evaluation.METHODS: predictions.attrs.get("methods", []),
        Evaluation.INTERACTIONS: str(opts.interactions), "truth": str(opts.truth),
        **result,
    }
    gone = missing_keys(doc, Evaluation.KEYS)
    if gone:  # the readers (satori-report, satori-summarize) look these up by name
        raise RuntimeError(f"evaluation.json would lack {', '.join(gone)} (see satori.schema.Evaluation)")
    base = result[Evaluation.RANDOM_BASELINE]
    log.info("exact names: precision %.3f recall %.3f F1 %.3f (TP %d, FP %d, FN %d at q < %g); "
             "random pairs: precision %.3f recall %.3f F1 %.3f", result["precision"], result["recall"], result["f1"],
             result["n_tp"], result["n_fp"], result["n_fn"], opts.q_threshold,
             base["precision"], base["recall"], base["f1"])
    if clusters is not None:
        doc[Evaluation.CLUSTER] = evaluate_clusters(clusters, truth, opts.q_threshold, opts.n_draws, opts.seed)
        c, cb = doc[Evaluation.CLUSTER], doc[Evaluation.CLUSTER][Evaluation.RANDOM_BASELINE]
        log.info("clusters: precision %.3f recall %.3f F1 %.3f (%d cluster pairs predicted, %d of %d true pairs found); "
                 "random pairs: precision %.3f recall %.3f F1 %.3f", c["precision"], c["recall"], c["f1"],
                 c["n_predicted"], c["n_truth_found"], len(truth), cb["precision"], cb["recall"], cb["f1"])
    else:
        log.info("no motif-cluster columns in %s: cluster-level evaluation skipped", opts.interactions)
    with staged_outdir(opts.outdir) as stage:
        (stage / formats.EVALUATION_JSON).write_text(json.dumps(doc, indent=2) + "\n")
        (stage / formats.PARAMS_JSON).write_text(params_json(PROG, opts))
    return 0


def main(argv=None):
    return run_cli(PROG, Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
