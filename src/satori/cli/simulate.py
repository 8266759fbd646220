"""Simulate sequences with implanted interacting TF motif pairs (SATORI 2.0's datasets).

Positives carry pairs of motifs drawn from a fixed set of interacting TF pairs (the
partners a few bases apart); negatives carry lone motifs of the same TFs, far from each
other. Motif instances are sampled from JASPAR (bundled, offline) or a MEME file, each
scoring at least half its PWM's maximum log-odds score against the background.

Presets (every setting can be overridden by its flag):
  data-40    20 TFs, 40 pairs, 3 pairs/positive, gap 8-15 bp, 60000 x 300 bp
  data-60    25 TFs, 60 pairs (otherwise as data-40)
  data-80    30 TFs, 80 pairs (otherwise as data-40)
  long-1500  40 motifs from distinct clusters (--max-similarity 0.6), 80 pairs,
             3-5 pairs/positive, gap 8-80 bp, 60000 x 1500 bp

--distinct-clusters draws every motif from a different motif cluster of the pool (the
TomTom complete-linkage clusters satori-filter-motifs names filters with), so a TF pair
found at cluster level identifies the planted pair.

Outputs in --outdir: sequences.fa.gz, labels.tsv (id, split, label), pairs.tsv (tf1, tf2,
motif1, motif2, cluster1, cluster2: each motif's cluster name), motifs.meme, implants.tsv (id, motif, tf, start, end, strand, pair;
0-based half-open; pair = row of pairs.tsv counting from 0, -1 for a negative's motif),
params.json.

Example:
  satori-simulate --outdir sim40 --preset data-40 --seed 1
  satori-simulate --outdir tiny --n-seqs 200 --n-tfs 6 --n-pairs 5 --motif-db my.meme
"""

import logging
import time
from dataclasses import dataclass
from typing import Optional

from satori import formats
from satori.atomic import staged_outdir
from satori.cli.common import CommonOptions, opt, options_dict, run_cli
from satori.motifs import jaspar
from satori.motifs.io import read_meme
from satori.simulate import resolve, simulate, write_dataset
from satori.simulate.dataset import parse_fractions
from satori.simulate.presets import PRESETS
from satori.simulate.sample import parse_background

log = logging.getLogger("satori")

_PRESET = "(default: the preset's value)"


@dataclass(kw_only=True)
class Options(CommonOptions):
    outdir: str = opt(help="output directory (created; existing files of the same names are replaced)")
    preset: str = opt("data-40", f"dataset preset: {', '.join(PRESETS)}")
    n_seqs: Optional[int] = opt(None, f"number of sequences, half positive {_PRESET}")
    length: Optional[int] = opt(None, f"sequence length in bp {_PRESET}")
    n_tfs: Optional[int] = opt(None, f"number of motifs, each a distinct TF {_PRESET}")
    n_pairs: Optional[int] = opt(None, f"number of interacting TF pairs {_PRESET}")
    gap_min: Optional[int] = opt(None, f"minimum bases between the partners of a pair {_PRESET}")
    gap_max: Optional[int] = opt(None, f"maximum bases between the partners of a pair {_PRESET}")
    pairs_min: Optional[int] = opt(None, f"minimum pairs per positive {_PRESET}")
    pairs_max: Optional[int] = opt(None, f"maximum pairs per positive {_PRESET}")
    neg_motifs_min: Optional[int] = opt(None, f"minimum motifs per negative {_PRESET}")
    neg_motifs_max: Optional[int] = opt(None, f"maximum motifs per negative {_PRESET}")
    neg_spacing: Optional[int] = opt(None, f"minimum bases between two motifs of a negative {_PRESET}")
    decoys: Optional[float] = opt(
        None, "share of the negatives that carry non-interacting TF pairs laid out as a positive's (same "
              "number of pairs, same gaps, each TF as often as in the positives), so only which TFs are "
              f"paired separates the classes; 0 = lone motifs only, the paper's negatives {_PRESET}")
    max_similarity: Optional[float] = opt(
        None, "reject a motif whose PWM similarity to a chosen one exceeds this (distinct clusters; "
              f"1 = off) {_PRESET}")
    distinct_clusters: bool = opt(False, "draw every motif from a different motif cluster of the pool (TomTom "
                                  "complete-linkage clusters, as satori-filter-motifs names them)")
    background: str = opt("0.295,0.205,0.205,0.295", "background base frequencies A,C,G,T")
    split_fractions: str = opt("0.8,0.1,0.1", "train,valid,test fractions (stratified by label)")
    motif_db: Optional[str] = opt(None, "MEME file of candidate motifs (default: bundled JASPAR)")
    jaspar_release: str = opt(jaspar.DEFAULT_RELEASE, "JASPAR release (when no --motif-db)")
    jaspar_collection: str = opt(jaspar.DEFAULT_COLLECTION, "JASPAR collection (when no --motif-db)")
    jaspar_tax_group: str = opt(jaspar.DEFAULT_TAX_GROUP, "JASPAR taxonomic group, or 'all' (when no --motif-db)")


def load_motif_pool(opts: Options):
    """The candidate motifs and a record of where they came from."""
    if opts.motif_db:
        pool = read_meme(opts.motif_db)
        return pool, {"motif_db": str(opts.motif_db), "candidates": len(pool)}, f"--motif-db {opts.motif_db}"
    tax = None if opts.jaspar_tax_group.lower() == "all" else opts.jaspar_tax_group
    pool = jaspar.load_jaspar(opts.jaspar_release, opts.jaspar_collection, tax)
    source = {
        "jaspar_release": opts.jaspar_release,
        "jaspar_collection": opts.jaspar_collection,
        "jaspar_tax_group": opts.jaspar_tax_group,
        "candidates": len(pool),
    }
    return pool, source, f"{opts.jaspar_release} {opts.jaspar_collection} {opts.jaspar_tax_group}"


def run(opts: Options) -> int:
    t0 = time.perf_counter()
    # Every setting is checked before anything is written (no outdir on bad input).
    config = resolve(
        opts.preset,
        n_seqs=opts.n_seqs, length=opts.length, n_tfs=opts.n_tfs, n_pairs=opts.n_pairs,
        gap_min=opts.gap_min, gap_max=opts.gap_max, pairs_min=opts.pairs_min, pairs_max=opts.pairs_max,
        neg_motifs_min=opts.neg_motifs_min, neg_motifs_max=opts.neg_motifs_max,
        neg_spacing=opts.neg_spacing, decoy_fraction=opts.decoys, max_similarity=opts.max_similarity,
        distinct_clusters=True if opts.distinct_clusters else None,
        background=tuple(float(x) for x in parse_background(opts.background)),
        split_fractions=parse_fractions(opts.split_fractions),
    )
    pool, source, source_name = load_motif_pool(opts)
    log.info("simulating %s: %d x %d bp, %d TFs, %d pairs from %s (%d candidates)", opts.preset,
             config.n_seqs, config.length, config.n_tfs, config.n_pairs, source_name, len(pool))
    data = simulate(config, pool, seed=opts.seed, motif_source=source, source_name=source_name)
    t1 = time.perf_counter()
    log.info("simulated %d sequences, %d implants in %.1f s", len(data.ids), data.implants.seq.size, t1 - t0)
    with staged_outdir(opts.outdir) as stage:
        write_dataset(stage, data, options_dict(opts))
    log.info("wrote %s and 5 more files to %s in %.1f s", formats.SEQUENCES_FA, opts.outdir,
             time.perf_counter() - t1)
    return 0


def main(argv=None) -> int:
    return run_cli("satori-simulate", Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
