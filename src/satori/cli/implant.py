"""Test TF pairs by implanting them into background sequences at every gap and orientation.

For each TF pair (tf1 = A, tf2 = B), one instance of each motif per background is
implanted: A alone, B alone and both, B starting --spacings bases after A's end, in
each --orientations (strand of A then B; '-' = reverse complement), into --n-backgrounds
background sequences (dinucleotide shuffles of labelled-positive sequences of --split,
or negatives), and the model is read on the logit:

    cooperativity = f(AB) - f(A) - f(B) + f(empty)

averaged over the backgrounds with a bootstrap 95 % interval. A pair's best point is the
(orientation, gap) with the largest mean (--alternative two-sided: the largest |mean|, so
antagonism counts too; on trained models the curves are often negative everywhere from
saturation and at gaps shorter than a filter, where one window sees both motifs); its p-value is a max-statistic sign-flip
test over backgrounds (each background's whole curve flipped at once), so it accounts
for choosing the best point out of the grid; q = Benjamini-Hochberg over the pairs.
Marginal effects f(A) - f(empty), f(B) - f(empty) are reported beside it.

Pairs (--pairs): predicted (default) = the pairs of --interactions with q < --q-threshold
plus as many non-significant control pairs of named TFs (seeded; --n-controls), or all
= every pair of TFs named in --filter-motifs. A TF's motif is the --motif-db motif its
best filter was named after (default database: the one satori-filter-motifs used, from
the params.json beside --filter-motifs). Instances: sampled (PWM samples scoring >= half
the maximum log-odds, the simulator's sampler; seeded) or consensus. Multi-label models:
--label NAME reads that output; auto = the only output, or the mean logit over labels.

All variants go through the model in one batched pass (built on --device from uint8
one-hot tensors by index arithmetic): n_bg x (1 + TFs x strands x (1 + gaps) + pairs x
orientations x gaps) forward passes.

Outputs in --outdir: implant.tsv (one row per pair: tf1, tf2, cluster1, cluster2,
motif1, motif2, attention_q, control, label, best_gap, best_orientation, cooperativity,
ci_low, ci_high, p, q, marginal1, marginal2, n_backgrounds; sorted by q then
-cooperativity), implant_curves.tsv (pair x orientation x gap: cooperativity, ci_low,
ci_high), params.json.
"""

from dataclasses import dataclass
from typing import Optional

from satori import formats
from satori.atomic import staged_outdir
from satori.cli.common import CommonOptions, DeviceOptions, log, opt, params_json, resolve_device, run_cli
from satori.errors import InputError
from satori.interpret.implant import inputs, layout, stats

PROG = "satori-implant"


@dataclass(kw_only=True)
class Options(CommonOptions, DeviceOptions):
    model: str = opt(help="model directory (config.json + model.pt)")
    fasta: str = opt(help="sequences (FASTA, plain or gzip): the backgrounds come from them")
    labels: str = opt(help="labels.tsv of --fasta")
    filter_motifs: str = opt(help="filter_motifs.tsv of this model (from satori-filter-motifs)")
    interactions: str = opt(help="tf_interactions.tsv (from an interpreter): the pairs to test")
    outdir: str = opt(help="output directory")
    pairs: str = opt("predicted", "predicted (significant pairs + as many controls) or all (every pair of named TFs)",
                     choices=list(inputs.PAIR_MODES))
    motif_db: Optional[str] = opt(None, "motif database (MEME, .jaspar or .pfm); default: the one satori-filter-motifs "
                                        "used (its params.json beside --filter-motifs)")
    n_backgrounds: int = opt(20, "background sequences per variant")
    background: str = opt("shuffled", "shuffled (dinucleotide-shuffled positives) or negatives",
                          choices=list(inputs.BACKGROUND_MODES))
    spacings: str = opt("default", "gaps in bp between the motifs: 'default' (0-20 by 1, 25-50 by 5, 60-100 by 10, "
                                   "up to the largest that fits) or a list like 0-20,25-100:5")
    orientations: str = opt(",".join(layout.ORIENTATIONS), "strand pairs to test (A then B)")
    instances: str = opt("sampled", "sampled (PWM instances >= half the max score, seeded) or consensus",
                         choices=list(inputs.INSTANCE_MODES))
    label: str = opt("auto", "output to read: a label name, 'mean' (mean logit), or auto (the only label, else mean)")
    split: str = opt("test", "which sequences of --labels the backgrounds come from: test, valid, train or all")
    q_threshold: float = opt(0.05, "an interactions pair is significant (predicted) when its q < this")
    n_controls: int = opt(-1, "control pairs with --pairs predicted (-1 = as many as significant pairs)")
    max_pairs: int = opt(0, "test at most this many pairs (significant first; 0 = no cap)")
    n_boot: int = opt(stats.DEFAULT_BOOT, "bootstrap resamples of the backgrounds (interval)")
    n_perm: int = opt(stats.DEFAULT_PERM, "sign-flip permutations (p-value)")
    alternative: str = opt("greater", "greater (best point = largest cooperativity: does the model need the two "
                           "together?) or two-sided (largest |cooperativity|, antagonism too)",
                           choices=list(stats.ALTERNATIVES))
    batch_size: int = opt(256, "variants per batch")


def _check(opts: Options) -> None:
    if opts.n_backgrounds < 2:
        raise InputError(f"--n-backgrounds {opts.n_backgrounds}: must be >= 2 (an interval and a p-value need two)")
    if not 0 < opts.q_threshold <= 1:
        raise InputError(f"--q-threshold {opts.q_threshold}: must be in (0, 1]")
    if opts.batch_size < 1 or opts.n_boot < 1 or opts.n_perm < 1:
        raise InputError("--batch-size, --n-boot and --n-perm must be >= 1")
    if opts.max_pairs < 0:
        raise InputError(f"--max-pairs {opts.max_pairs}: must be >= 0")


def _label(opts: Options, label_names, n_labels: int):
    """(column index or None for the mean, name written to implant.tsv)."""
    if opts.label == "mean":
        return None, "mean"
    if opts.label == "auto":
        return (0, label_names[0]) if n_labels == 1 else (None, "mean")
    if opts.label not in label_names:
        raise InputError(f"--label {opts.label}: not a label of --labels ({', '.join(label_names)})")
    return label_names.index(opts.label), opts.label


def run(opts: Options) -> int:
    from satori import models
    from satori.interpret import select
    from satori.interpret.implant.run import design_screen, implant
    from satori.motifs.tomtom import read_filter_motifs
    from satori.tsv import format_tsv

    _check(opts)
    gaps = layout.parse_spacings(opts.spacings)
    orientations = layout.parse_orientations(opts.orientations)
    device = resolve_device(opts.device)
    filter_motifs = read_filter_motifs(opts.filter_motifs)
    tfs = inputs.named_tfs(filter_motifs)
    interactions = inputs.read_tf_interactions(opts.interactions)
    pairs = inputs.choose_pairs(interactions, tfs, opts.pairs, opts.q_threshold, opts.n_controls, opts.max_pairs,
                                opts.seed)
    tf_names = sorted({t for pair in zip(pairs["tf1"], pairs["tf2"]) for t in pair}, key=str.lower)
    db, db_label = inputs.load_motif_db(opts.motif_db, opts.filter_motifs)
    motifs = inputs.match_motifs(tf_names, tfs, db, db_label)
    clusters = [tfs[n.lower()].cluster if n.lower() in tfs else "" for n in tf_names]
    model = models.load(opts.model, device)
    config = model.config
    data = select.load_dataset(opts.fasta, opts.labels, opts.split, config.length, config.n_labels,
                               select.train_data(opts.model))
    label, label_name = _label(opts, data.label_names, config.n_labels)
    log.info("%d pairs (%d controls) of %d TFs; motif database %s; %d gaps, %d orientations",
             len(pairs), int(pairs["control"].sum()) if len(pairs) else 0, len(tf_names), db_label, len(gaps),
             len(orientations))
    backgrounds = inputs.choose_backgrounds(data.X, data.Y, opts.background, opts.n_backgrounds, opts.seed)
    codes, widths = inputs.tf_instances(motifs, opts.n_backgrounds, inputs.base_frequencies(data.X), opts.instances,
                                        opts.seed)
    if len(pairs) and opts.spacings.strip() in ("", "default"):
        # the default grid stops where the sequences end; a --spacings given that does not fit is an error
        wa = max(m.width for n, m in zip(tf_names, motifs) if n in set(pairs["tf1"]))
        wb = max(m.width for n, m in zip(tf_names, motifs) if n in set(pairs["tf2"]))
        fitted = layout.fit_gaps(gaps, config.length, wa, wb)
        if len(fitted) < len(gaps):
            log.info("default gaps up to %d bp (the largest that fits %d bp sequences)", fitted.max(), config.length)
        gaps = fitted
    # the layout check before any model work (a spacing that does not fit is an input error)
    if len(pairs):
        design_screen(pairs, tf_names, motifs, backgrounds, codes, widths, gaps, orientations)
    else:
        log.warning("no pair to test (no significant pair and no control); writing empty tables")
    result = implant(model, pairs, tf_names, motifs, clusters, backgrounds, codes, widths, gaps, orientations, label,
                     label_name, opts.batch_size, device, opts.seed, opts.n_boot, opts.n_perm,
                     verbose=opts.log_level == "DEBUG", alternative=opts.alternative) if len(pairs) else None
    import pandas as pd

    table = result.table if result else pd.DataFrame(columns=formats.IMPLANT_COLUMNS)
    curves = result.curves if result else pd.DataFrame(columns=formats.IMPLANT_CURVES_COLUMNS)
    summary = dict(result.summary if result else {"n_pairs": 0}, motif_db=db_label, label=label_name)
    with staged_outdir(opts.outdir) as stage:
        (stage / formats.IMPLANT_TSV).write_text(format_tsv(table))
        (stage / formats.IMPLANT_CURVES_TSV).write_text(format_tsv(curves))
        (stage / formats.PARAMS_JSON).write_text(params_json(PROG, opts, summary=summary))
    if result:
        log.info("%d of %d pairs with q < 0.05 (%.1f s screen)", summary["n_significant"], len(table),
                 summary["seconds_screen"])
    return 0


def main(argv=None):
    return run_cli(PROG, Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
