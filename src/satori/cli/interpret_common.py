"""Options and the run function shared by the interpreters (interpret-raw, -attr, dfim).

Each interpreter's CLI module subclasses ``InterpretOptions`` (adding its own flags)
and calls ``run_interpreter(opts, prog, map_fn, method)``; reading inputs, selection,
pair scoring, statistics and the output tables are the same for all of them.

Outputs in --outdir: interactions.tsv, tf_interactions.tsv, cluster_interactions.tsv
(the TF pairs aggregated to motif-cluster pairs), params.json (options and
a summary: sequence counts, the attention cutoff used, tested/significant pairs,
timings). With no sequence passing the foreground (or background) selection the
tables hold only their headers, a warning is logged and the exit status is 0, so a
pipeline continues; params.json says why ("warning").
"""

from dataclasses import dataclass

from satori import formats
from satori.atomic import staged_outdir
from satori.cli.common import CommonOptions, DeviceOptions, log, opt, params_json, resolve_device
from satori.interpret import select
from satori.interpret.interactions import TF_TESTS, InterpretSettings, check_settings, infer_interactions
from satori.interpret.stats import COMPARE_MODES
from satori.tsv import format_tsv


@dataclass(kw_only=True)
class InterpretOptions(CommonOptions, DeviceOptions):
    model: str = opt(help="model directory (config.json + model.pt)")
    fasta: str = opt(help="sequences (FASTA, plain or gzip)")
    labels: str = opt(help="labels.tsv (id, split, one 0/1 column per label); without split: the seeded "
                               "split satori-train drew for --model")
    filter_motifs: str = opt(help="filter_motifs.tsv of this model (from satori-filter-motifs)")
    outdir: str = opt(help="output directory")
    split: str = opt("test", "which sequences of --labels to interpret: test, valid, train or all",
                     choices=list(select.SPLIT_CHOICES))
    background: str = opt("auto", "background: negatives (labelled and predicted negative), shuffle "
                          "(dinucleotide-shuffled foreground) or auto (negatives for one label, shuffle for several)",
                          choices=list(select.BACKGROUNDS))
    max_seqs: int = opt(5000, "at most this many foreground and this many background sequences (seeded sample; 0 = all)")
    attn_cutoff: str = opt("mean", "map values below this count as no interaction: 'mean' (mean value over the "
                           "foreground) or a number")
    compare: str = opt("auto", "test sample per pair: present (sequences with both filters present; sub-cutoff = 0), "
                       "all (every sequence; absent = 0) or auto (present with negatives, all with shuffle)",
                       choices=list(COMPARE_MODES))
    tf_test: str = opt("pooled", "p and q of tf_interactions.tsv: pooled (test each TF pair itself, the filters named "
                       "after each TF pooled; BH over the TF pairs) or best-filter (the best filter pair's; BH over "
                       "every filter pair, the paper's mapping)", choices=list(TF_TESTS))
    min_fg: int = opt(5, "test a pair only if observed (score >= cutoff) in at least this many foreground sequences")
    min_bg: int = opt(1, "test a pair only if its background sample has at least this many sequences")
    act_threshold: float = opt(0.65, "a filter hit is an activation > this fraction of the filter's foreground maximum")
    pred_threshold: float = opt(0.5, "probability above which a label counts as predicted positive")
    q_threshold: float = opt(0.05, "q below which a filter pair counts as significant (n_significant, median distance)")
    batch_size: int = opt(128, "sequences per batch")
    cache_mb: float = opt(1024, "memory (MB) for keeping the activations and attention maps of the prediction pass "
                        "so the model runs once (raw attention); 0 = run the model again")


def settings_from(opts: InterpretOptions) -> InterpretSettings:
    return InterpretSettings(
        background=opts.background, max_seqs=opts.max_seqs, attn_cutoff=opts.attn_cutoff,
        pred_threshold=opts.pred_threshold, compare=opts.compare, tf_test=opts.tf_test, min_fg=opts.min_fg, min_bg=opts.min_bg,
        q_threshold=opts.q_threshold, hit_fraction=opts.act_threshold, batch_size=opts.batch_size,
        seed=opts.seed, verbose=opts.log_level == "DEBUG", cache_mb=opts.cache_mb,
    )


def run_interpreter(opts: InterpretOptions, prog: str, map_fn, method: str, map_is_attention: bool = False,
                    on_thresholds=None, extra_summary=None) -> int:
    """Read inputs, infer interactions with ``map_fn``, write the tables and params.json.

    ``map_is_attention``, ``on_thresholds``: see ``interpret.interactions.infer_interactions``.
    ``extra_summary``: optional callable returning a dict merged into params.json's summary.
    """
    from satori import models
    from satori.motifs.tomtom import read_filter_motifs

    settings = settings_from(opts)
    check_settings(settings)
    device = resolve_device(opts.device)
    filter_motifs = read_filter_motifs(opts.filter_motifs)
    model = models.load(opts.model, device)
    config = model.config
    data = select.load_dataset(opts.fasta, opts.labels, opts.split, config.length, config.n_labels,
                               select.train_data(opts.model))
    log.info("%d '%s' sequences of %d bp; model: %d filters, %d pooled positions",
             len(data.X), opts.split, config.length, config.n_filters, config.pooled_length)
    result = infer_interactions(model, data, filter_motifs, map_fn, method, settings, device, map_is_attention,
                                on_thresholds=on_thresholds)
    if extra_summary is not None:
        result.summary.update(extra_summary())
    with staged_outdir(opts.outdir) as stage:
        (stage / formats.INTERACTIONS_TSV).write_text(format_tsv(result.interactions))
        (stage / formats.TF_INTERACTIONS_TSV).write_text(format_tsv(result.tf_interactions))
        (stage / formats.CLUSTER_INTERACTIONS_TSV).write_text(format_tsv(result.cluster_interactions))
        (stage / formats.PARAMS_JSON).write_text(params_json(prog, opts, summary=result.summary))
    return 0
