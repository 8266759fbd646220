"""Infer TF-TF interactions from a trained model's attention attribution.

Same selection, hits, pair scoring, test and outputs as satori-interpret-raw, but the
map of a sequence is the attribution of its attention instead of the attention itself:
integrated gradients of the target output (the label's logit; several labels: the sum
of the logits of the sequence's true labels) with respect to every head's attention
probabilities, zero baseline, --steps Riemann steps
(Attr(A) = A/m x sum_i dF((i/m)A)/dA), maximum over heads of |Attr|. All steps of a
batch run in one forward and one backward pass (at most --ig-batch sequence-steps per
pass); the cost is about --steps forward+backward passes over the foreground and
background. --attn-cutoff applies to the attribution values ('mean': their mean over
the foreground). The method is recorded as attn-attr.

Outputs in --outdir: interactions.tsv, tf_interactions.tsv, params.json. If no
sequence passes the foreground selection the tables are written with headers only, a
warning is logged and the exit status is 0.
"""

from dataclasses import dataclass

from satori.cli.common import opt, run_cli
from satori.cli.interpret_common import InterpretOptions, run_interpreter
from satori.errors import InputError
from satori.interpret import attr

PROG = "satori-interpret-attr"


@dataclass(kw_only=True)
class Options(InterpretOptions):
    steps: int = opt(attr.DEFAULT_STEPS, "integration steps m of the Riemann sum")
    ig_batch: int = opt(attr.DEFAULT_IG_BATCH, "at most this many sequence-steps (sequences x --steps) "
                        "per forward+backward pass (memory)")


def run(opts: Options) -> int:
    if opts.steps < 1:
        raise InputError(f"--steps {opts.steps}: must be >= 1")
    if opts.ig_batch < 1:
        raise InputError(f"--ig-batch {opts.ig_batch}: must be >= 1")
    return run_interpreter(opts, PROG, attr.make_map_fn(opts.steps, opts.ig_batch), attr.METHOD)


def main(argv=None):
    return run_cli(PROG, Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
