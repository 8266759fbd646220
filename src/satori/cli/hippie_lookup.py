"""satori-hippie-lookup: which predicted TF pairs are known protein-protein interactions.

Reads a tf_interactions.tsv (any interpret tool), keeps the pairs with q < --q-threshold,
and looks them up in a PSI-MITAB database: HIPPIE by default (--download fetches its
current release into --cache-dir), or any MITAB file (--ppi: HIPPIE, BioGRID, IntAct,
plant databases; gz allowed). Names match gene symbols case-insensitively; a heterodimer
A::B matches through either member; --name-map maps motif/TF names to gene symbols.

Outputs in --outdir: ppi_matches.tsv (one row per predicted pair and matching gene pair),
ppi_summary.json (pairs tested and matched, and whether that beats random pairs of the
same TFs: hypergeometric and permutation p-values), params.json.
"""

import json
import logging
import sys
from dataclasses import dataclass
from typing import Optional

from satori import __version__, formats
from satori.atomic import staged_outdir
from satori.cli.common import CommonOptions, opt, options_dict, run_cli
from satori.errors import InputError
from satori.ppi.download import HIPPIE_URL
from satori.schema import PPISummary

log = logging.getLogger("satori")


@dataclass(kw_only=True)
class Options(CommonOptions):
    interactions: str = opt(help="tf_interactions.tsv (columns tf1, tf2, q, ...)")
    ppi: Optional[str] = opt(None, "PSI-MITAB file (HIPPIE, BioGRID, IntAct, ...; gz allowed)")
    download: bool = opt(False, "download the database from --url into --cache-dir (instead of --ppi)")
    url: str = opt(HIPPIE_URL, "where --download fetches the database")
    cache_dir: Optional[str] = opt(None, "download cache (default: $SATORI_CACHE_DIR or ~/.cache/satori, /ppi)")
    refresh: bool = opt(False, "with --download: fetch again even if a cached copy exists")
    timeout: float = opt(60.0, "with --download: seconds to wait for the server")
    retries: int = opt(3, "with --download: attempts in all")
    name_map: Optional[str] = opt(None, "TSV name -> gene symbol(s) for motif/TF names that are not gene symbols")
    min_score: Optional[float] = opt(None, "keep database records with confidence >= this (e.g. 0.63 for HIPPIE medium)")
    q_threshold: float = opt(0.05, "predicted pairs are those with q < this")
    n_permutations: int = opt(1000, "label permutations for the enrichment p-value (0: hypergeometric only)")
    outdir: str = opt(help="output directory")


def run(opts: Options) -> int:
    import numpy as np
    import pandas as pd

    from satori.cache import cache_dir
    from satori.ppi.download import download, sha256_file
    from satori.ppi.lookup import enrichment, match_pairs, read_interactions, read_name_map
    from satori.ppi.mitab import read_mitab

    if bool(opts.ppi) == bool(opts.download):
        raise InputError("give the database with exactly one of --ppi FILE or --download")
    if opts.n_permutations < 0:
        raise InputError(f"--n-permutations must be >= 0, got {opts.n_permutations}")
    if not 0 < opts.q_threshold <= 1:
        raise InputError(f"--q-threshold must be in (0, 1], got {opts.q_threshold}")
    if opts.timeout <= 0:
        raise InputError(f"--timeout must be > 0, got {opts.timeout}")

    table = read_interactions(opts.interactions)
    name_map = read_name_map(opts.name_map) if opts.name_map else None
    if opts.download:
        path, source = download(opts.url, opts.cache_dir or cache_dir("ppi"), timeout=opts.timeout,
                                retries=opts.retries, refresh=opts.refresh)
        source = dict(source, path=str(path))
    else:
        path = opts.ppi
        source = {"path": str(path)}
    ppi = read_mitab(path, min_score=opts.min_score)
    if "sha256" not in source:
        source["sha256"] = sha256_file(path)
    source.update(records=ppi.attrs["records"], records_kept=ppi.attrs["records_kept"],
                  genes=int(len(pd.unique(np.concatenate([ppi["gene_a"].to_numpy(dtype=object),
                                                          ppi["gene_b"].to_numpy(dtype=object)])))))

    significant = table[(table["q"] < opts.q_threshold) & (table["tf1"] != "") & (table["tf2"] != "")]
    matches, info = match_pairs(significant, ppi, name_map)
    rng = np.random.default_rng(opts.seed)
    chance = enrichment(info["match_matrix"], info["pair_index"], opts.n_permutations, rng)
    n_pairs = int(len(info["pair_index"]))
    n_matched = int(info["matched"].sum())
    in_db = info["tf_in_db"]
    both_in_db = int((in_db[info["pair_index"][:, 0]] & in_db[info["pair_index"][:, 1]]).sum()) if n_pairs else 0
    summary = {
        "database": source,
        "q_threshold": opts.q_threshold,
        "min_score": opts.min_score,
        "pairs_in_table": int(len(table)),
        PPISummary.PAIRS_TESTED: n_pairs,
        "pairs_with_both_tfs_in_database": both_in_db,
        PPISummary.PAIRS_MATCHED: n_matched,
        "matched_fraction": (n_matched / n_pairs) if n_pairs else None,
        "tfs": len(info["tfs"]),
        "tfs_not_in_database": [t for t, ok in zip(info["tfs"], in_db) if not ok],
        PPISummary.CHANCE: chance,
        "matching": "case-insensitive gene symbols; A::B matches through either member; (var.N) suffixes dropped; "
                    "self-interactions of one gene do not count",
    }
    params = dict(options_dict(opts), satori_version=__version__)
    with staged_outdir(opts.outdir) as stage:
        matches.to_csv(stage / formats.PPI_MATCHES_TSV, sep="\t", index=False, lineterminator="\n")
        (stage / formats.PPI_SUMMARY_JSON).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (stage / formats.PARAMS_JSON).write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    hp = chance["hypergeom_p"]
    pp = chance["permutation_p"]
    print(
        f"{n_matched} of {n_pairs} predicted pairs (q < {opts.q_threshold}) are known interactions"
        + (f"; chance expects {chance['expected_fraction']:.3f} of pairs" if chance["expected_fraction"] is not None else "")
        + (f"; hypergeometric p = {hp:.3g}" if hp is not None else "")
        + (f"; permutation p = {pp:.3g}" if pp is not None else ""),
        file=sys.stderr,
    )
    return 0


def main(argv=None):
    return run_cli("satori-hippie-lookup", Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
