"""Infer TF-TF interactions with Deep Feature Interaction Maps (DFIM, DeepLIFT).

Same selection, hits, pair scoring, test and outputs as satori-interpret-raw; the map
of a sequence comes from DeepLIFT/SHAP attributions (tangermeme deep_lift_shap, the
target output is the label's logit; several labels: the sum of the logits of the
sequence's true labels; references: --n-shuffles seeded dinucleotide shuffles of the
original sequence, shared by its mutants). Every filter hit (the strongest filter at
a pooled position with a hit, --act-threshold as in interpret-raw) is a source: its
k-mer is replaced by random bases drawn from the sequence's own base frequencies
(seeded) and the sequence is attributed again. Map entry (source i, target j) is the
absolute change of the attribution summed over the target hit's k-mer (actual
bases), for targets whose k-mer does not overlap the source's (at least one pool
width apart); the score of a filter pair in a sequence is its largest entry (both
directions). The background goes through the same procedure. --attn-cutoff applies
to these scores ('mean': their mean over the foreground). Method: dfim.

Cost: (hits + 1) x --n-shuffles DeepLIFT forward+backward passes per sequence. The
DeepLIFT convergence delta is checked on the first batch (warning above 1%) and
recorded in params.json (summary.convergence_delta).

Outputs in --outdir: interactions.tsv, tf_interactions.tsv, params.json. If no
sequence passes the foreground selection the tables are written with headers only, a
warning is logged and the exit status is 0.
"""

from dataclasses import dataclass

from satori.cli.common import opt, run_cli
from satori.cli.interpret_common import InterpretOptions, run_interpreter
from satori.errors import InputError
from satori.interpret import dfim

PROG = "satori-dfim"


@dataclass(kw_only=True)
class Options(InterpretOptions):
    n_shuffles: int = opt(dfim.DEFAULT_SHUFFLES, "DeepLIFT references per sequence (seeded dinucleotide shuffles)")
    dl_batch: int = opt(dfim.DEFAULT_DL_BATCH, "sequence-reference pairs per DeepLIFT pass (memory)")


def run(opts: Options) -> int:
    if opts.n_shuffles < 1:
        raise InputError(f"--n-shuffles {opts.n_shuffles}: must be >= 1")
    if opts.dl_batch < 1:
        raise InputError(f"--dl-batch {opts.dl_batch}: must be >= 1")
    maps = dfim.DfimMaps(opts.n_shuffles, opts.dl_batch, opts.seed)
    return run_interpreter(opts, PROG, maps, dfim.METHOD, on_thresholds=maps.set_thresholds,
                           extra_summary=maps.summary)


def main(argv=None):
    return run_cli(PROG, Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
