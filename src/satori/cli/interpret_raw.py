"""Infer TF-TF interactions from a trained model's raw attention.

Foreground: sequences of --split that are positive and predicted positive (several
labels: at least one correctly predicted positive label). Background: negatives that
are predicted negative, or dinucleotide-shuffled copies of the foreground
(--background). Per sequence the attention is reduced to its maximum over heads; a
filter is present at a pooled position when it has a hit there (activation above
--act-threshold x its maximum over the foreground — thresholds computed once, on the
foreground, and reused for the background). The score of a filter pair in a sequence
is the highest attention between two distinct positions holding the two filters
(both directions); attention below --attn-cutoff counts as none. Pairs are tested
with a one-sided Mann-Whitney U test (foreground > background) and Benjamini-Hochberg,
named through --filter-motifs, and aggregated to TF pairs.

Outputs in --outdir: interactions.tsv (one row per tested filter pair; same-TF and
unannotated pairs kept, flagged), tf_interactions.tsv (unordered TF pairs: best q,
number of filter pairs, median distance), params.json. If no sequence passes the
foreground selection the tables are written with headers only, a warning is logged
and the exit status is 0.

The first run compiles the pair-scoring kernel (numba, a few seconds); the compiled
code is cached in $NUMBA_CACHE_DIR (default ~/.cache/satori/numba when unset).
"""

from dataclasses import dataclass

from satori.cli.common import run_cli
from satori.cli.interpret_common import InterpretOptions, run_interpreter
from satori.interpret import raw

PROG = "satori-interpret-raw"


@dataclass(kw_only=True)
class Options(InterpretOptions):
    pass


def run(opts: Options) -> int:
    return run_interpreter(opts, PROG, raw.attention_maps, raw.METHOD, map_is_attention=True)


def main(argv=None):
    return run_cli(PROG, Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
