"""Turn the first-layer filters of a trained model into motifs and name them.

For each filter, the k-mers of the chosen sequences (default: test sequences that are
positive and predicted positive, at most --max-seqs, seeded sample) whose activation
exceeds --act-threshold x the filter's maximum form its PWM (counts + pseudocount).
The PWMs are compared with a motif database by TomTom (memelite; both strands): the
bundled JASPAR release by default, or --motif-db (MEME, .jaspar or .pfm file).
Each PWM is trimmed to its informative core and its p-values are calibrated against
a null of random PWMs per database motif (computed once per database, cached in
$SATORI_CACHE_DIR, default ~/.cache/satori; see satori.motifs.calibrate). As in
MEME's TomTom: p per (filter, database motif), E = p x number of motifs, q =
Benjamini-Hochberg per filter over the motifs. Filters with fewer than --min-sites
sites or no match at q <= --q-threshold are kept, unannotated. Each named filter also
gets its match's motif cluster (the database clustered once by TomTom, cached): an
id, a readable name like "FOX: FOXA1/FOXA2/FOXC1…" and the member TFs.

--pwms FILE names the motifs of a file instead (MEME, JASPAR or PFM: MEME/STREME/
HOMER output, another model's filters); no model, sequences or labels are needed,
the motifs keep their ids and every motif is compared (unless the file gives its
site count and it is below --min-sites).

Outputs in --outdir: filters.meme (ids filter0, filter1, ...; the --pwms motifs as
read), filter_motifs.tsv (one row per filter: filter, n_sites, ic, motif_id, tf, p,
E, q, orientation, cluster_id, cluster_name, cluster_tfs), filter_matches.tsv (the
--top-matches best matches per filter), params.json.

The first run compiles memelite's numba code (about a minute); the compiled code is
cached in $NUMBA_CACHE_DIR (default ~/.cache/satori/numba when unset) and reused.
"""

from dataclasses import dataclass
from typing import Optional

import torch

from satori import formats
from satori.atomic import staged_outdir
from satori.cli.common import CommonOptions, DeviceOptions, log, opt, params_json, resolve_device, run_cli
from satori.errors import InputError
from satori.interpret import select
from satori.interpret.hits import hit_thresholds
from satori.motifs import jaspar
from satori.motifs.filters import filter_pwms
from satori.motifs.io import format_meme, read_motifs
from satori.tsv import format_tsv


@dataclass(kw_only=True)
class Options(CommonOptions, DeviceOptions):
    outdir: str = opt(help="output directory")
    model: Optional[str] = opt(None, "model directory (config.json + model.pt); not with --pwms")
    fasta: Optional[str] = opt(None, "sequences (FASTA, plain or gzip); with --model")
    labels: Optional[str] = opt(None, "labels.tsv (id, split, one 0/1 column per label; without split: the "
                                      "seeded split satori-train drew for --model); with --model")
    pwms: Optional[str] = opt(None, "name the motifs of this file (MEME, .jaspar or .pfm) instead of a model's filters")
    motif_db: Optional[str] = opt(None, "motif database file (MEME, .jaspar or .pfm); default: the bundled JASPAR")
    jaspar_release: str = opt(jaspar.DEFAULT_RELEASE, "bundled JASPAR release (when no --motif-db)")
    jaspar_collection: str = opt(jaspar.DEFAULT_COLLECTION, "JASPAR collection (when no --motif-db)")
    jaspar_tax_group: str = opt(jaspar.DEFAULT_TAX_GROUP, "JASPAR taxonomic group, or 'all' (when no --motif-db)")
    split: str = opt("test", "which sequences of --labels to use: test, valid, train or all", choices=list(select.SPLIT_CHOICES))
    max_seqs: int = opt(5000, "at most this many sequences (seeded sample; 0 = all)")
    act_threshold: float = opt(0.65, "a site is a k-mer with activation > this fraction of the filter's maximum")
    pseudocount: float = opt(0.25, "pseudocount added to each base count of a PWM position")
    min_sites: int = opt(10, "filters with fewer sites stay unannotated")
    q_threshold: float = opt(0.05, "a filter is annotated with its best match if that match has q <= this")
    top_matches: int = opt(3, "matches per filter in filter_matches.tsv")
    pred_threshold: float = opt(0.5, "probability above which a label counts as predicted positive")
    batch_size: int = opt(128, "sequences per batch")


def _check(opts: Options) -> None:
    if opts.pwms and opts.model:
        raise InputError("give either --pwms or --model, not both")
    if not opts.pwms and not (opts.model and opts.fasta and opts.labels):
        raise InputError("--model, --fasta and --labels are required (or --pwms FILE to name the motifs of a file)")
    select.check_threshold(opts.pred_threshold)
    if not 0 < opts.act_threshold <= 1:
        raise InputError(f"--act-threshold {opts.act_threshold}: must be in (0, 1]")
    if not 0 < opts.q_threshold <= 1:
        raise InputError(f"--q-threshold {opts.q_threshold}: must be in (0, 1]")
    if opts.min_sites < 0 or opts.top_matches < 0 or opts.pseudocount < 0:
        raise InputError("--min-sites, --top-matches and --pseudocount must be >= 0")
    if opts.batch_size < 1:
        raise InputError(f"--batch-size {opts.batch_size}: must be >= 1")


def load_motif_db(opts: Options):
    """The target motifs: --motif-db, or the bundled JASPAR selection."""
    if opts.motif_db:
        return read_motifs(opts.motif_db), opts.motif_db
    tax = None if opts.jaspar_tax_group.lower() == "all" else opts.jaspar_tax_group
    label = f"{opts.jaspar_release} {opts.jaspar_collection} {opts.jaspar_tax_group}"
    return jaspar.load_jaspar(opts.jaspar_release, opts.jaspar_collection, tax), label


def preloaded_tables(config, n_sites):
    """``filter_motifs.tsv`` and ``filter_matches.tsv`` of a pre-loaded model.

    n_sites: array, shape=(F,), the sites each filter collected. Each filter's one match is
    the motif it was loaded from (rank 1, p = E = q = 0, offset 0, full overlap).
    """
    import pandas as pd

    from satori.models.preloaded import preloaded_filter_table

    table = preloaded_filter_table(config)
    table["n_sites"] = [int(n) for n in n_sites]
    matches = pd.DataFrame({
        "filter": table["filter"], "rank": 1, "motif_id": table["motif_id"], "tf": table["tf"],
        "p": 0.0, "E": 0.0, "q": 0.0, "orientation": table["orientation"], "offset": 0,
        "overlap": [int(e.get("width", 0)) for e in config.filter_motifs],
    }, columns=formats.FILTER_MATCHES_COLUMNS)
    return table, matches


def _annotate(opts: Options, motifs, ic, targets):
    from satori.motifs.clusters import database_clusters
    from satori.motifs.tomtom import annotate_filters, ensure_numba_cache_dir

    cache = ensure_numba_cache_dir()
    clusters = database_clusters(targets, threads=max(1, opts.threads))
    log.info("TomTom against %d motifs in %d clusters (numba cache: %s; the first run compiles, about a minute)",
             len(targets), len(clusters.ids), cache or "numba default")
    return annotate_filters(motifs, ic, targets, opts.min_sites, opts.q_threshold, opts.top_matches,
                            opts.threads, clusters=clusters)


def _write(opts: Options, motifs, table, matches, summary) -> None:
    with staged_outdir(opts.outdir) as stage:
        (stage / formats.FILTERS_MEME).write_text(format_meme(motifs))
        (stage / formats.FILTER_MOTIFS_TSV).write_text(format_tsv(table))
        (stage / formats.FILTER_MATCHES_TSV).write_text(format_tsv(matches))
        (stage / formats.PARAMS_JSON).write_text(params_json("satori-filter-motifs", opts, summary=summary))


def run_pwms(opts: Options) -> int:
    """--pwms: name the motifs of a file (no model)."""
    import numpy as np

    from satori.motifs.io import information_content

    motifs = read_motifs(opts.pwms)
    targets, db_label = load_motif_db(opts)
    log.info("motif database: %s (%d motifs); naming %d motifs of %s", db_label, len(targets), len(motifs), opts.pwms)
    ic = np.array([information_content(m.pwm) for m in motifs])
    table, matches = _annotate(opts, motifs, ic, targets)
    summary = {"motif_db": db_label, "n_targets": len(targets), "pwms": str(opts.pwms), "n_filters": len(motifs),
               "n_annotated": int((table["motif_id"] != "").sum())}
    _write(opts, motifs, table, matches, summary)
    return 0


def run(opts: Options) -> int:
    _check(opts)
    if opts.pwms:
        return run_pwms(opts)
    from satori import models

    device = resolve_device(opts.device)
    targets, db_label = load_motif_db(opts)
    log.info("motif database: %s (%d motifs)", db_label, len(targets))
    model = models.load(opts.model, device)
    config = model.config
    data = select.load_dataset(opts.fasta, opts.labels, opts.split, config.length, config.n_labels,
                               select.train_data(opts.model))

    verbose = opts.log_level == "DEBUG"
    logits, conv_max, _ = select.scan(model, data.X, opts.batch_size, device, verbose=verbose)
    fg_idx = select.choose_foreground(data.Y, select.sigmoid(logits), opts.pred_threshold, opts.max_seqs, opts.seed)
    log.info("%d of %d '%s' sequences are positive and predicted positive; using %d",
             int(select.foreground_mask(data.Y, select.sigmoid(logits), opts.pred_threshold).sum()),
             len(data.X), opts.split, len(fg_idx))
    if len(fg_idx) == 0:
        log.warning("no sequence passes the selection (positive and predicted positive); "
                    "every filter has 0 sites and stays unannotated")
    thresholds = hit_thresholds(model, conv_max[torch.from_numpy(fg_idx)], opts.act_threshold)
    pwms = filter_pwms(model, data.X[fg_idx], thresholds, opts.batch_size, device, opts.pseudocount, verbose=verbose)
    motifs = pwms.motifs()
    if getattr(config, "preloaded", False):
        # Pre-loaded filters are their motifs by construction: no TomTom (the paper's point).
        table, matches = preloaded_tables(config, pwms.n_sites)
        log.info("pre-loaded motif filters: annotation taken from the model (no TomTom)")
    else:
        table, matches = _annotate(opts, motifs, pwms.information_content(), targets)
    summary = {
        "motif_db": db_label, "n_targets": len(targets), "n_sequences": int(len(data.X)), "n_used": int(len(fg_idx)),
        "n_filters": int(config.n_filters), "n_with_sites": int((pwms.n_sites >= opts.min_sites).sum()),
        "n_annotated": int((table["motif_id"] != "").sum()),
    }
    _write(opts, motifs, table, matches, summary)
    return 0


def main(argv=None):
    return run_cli("satori-filter-motifs", Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
