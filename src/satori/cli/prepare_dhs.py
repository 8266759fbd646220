"""satori-prepare-dhs: a training dataset from peaks, a genome and a gene annotation.

Modes:
  promoter  peaks overlapping a promoter (--upstream bp upstream of a TSS, strand-aware),
            merged when they share more than --merge-overlap bp, re-centred to --length bp;
            one 0/1 label per sample (the paper's human DHS set)
  genome    the same without the promoter filter (the paper's Arabidopsis set)
  enhancer  positives from one BED; negatives sampled from annotation categories (exon,
            promoter, utr, intron, downstream, distal) in the proportions of --neg-mix,
            --neg-ratio per positive, overlapping no positive; one binary label

--peaks is a samplesheet (CSV with columns sample,bed; paths relative to the sheet), a BED
with --activity (a 0/1 table, one column per sample, Basset layout), or one BED.
Chromosome names chr1/1 are reconciled between genome, peaks and annotation.

Outputs in --outdir: sequences.fa.gz (ids chrom:start-end, 0-based half-open), labels.tsv,
regions.bed, summary.json, params.json; the summary is also printed on stderr.
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

log = logging.getLogger("satori")

from satori.data.prepare import DEFAULT_NEG_MIX  # noqa: E402  (one place for the default)


@dataclass(kw_only=True)
class Options(CommonOptions):
    mode: str = opt("promoter", "dataset type", choices=["promoter", "genome", "enhancer"])
    peaks: str = opt(help="samplesheet CSV (sample,bed), or a BED/narrowPeak (gz allowed)")
    activity: Optional[str] = opt(None, "0/1 activity TSV (id column, one column per sample) for a merged --peaks BED")
    genome: str = opt(help="genome FASTA, plain or bgzip; the .fai index is built if missing")
    gtf: Optional[str] = opt(None, "gene annotation, GTF or GFF3 (gz allowed)")
    tss: Optional[str] = opt(None, "TSS BED6 (chrom, start, end, name, score, strand) instead of --gtf (promoter mode)")
    upstream: int = opt(1000, "promoter length upstream of the TSS (bp); also the length of 'downstream' regions")
    downstream: int = opt(0, "promoter length downstream of the TSS (bp)")
    merge_overlap: int = opt(200, "merge peaks sharing more than this many bp (transitively)")
    length: int = opt(600, "region length after re-centring (bp)")
    max_n: float = opt(0.1, "drop regions whose fraction of N exceeds this")
    valid_chroms: str = opt("17,20,21", "validation chromosomes (comma-separated, with or without 'chr')")
    test_chroms: str = opt("15,16,22,X,Y", "test chromosomes (comma-separated, with or without 'chr')")
    split: str = opt("auto", "chrom: by --valid/--test-chroms; random: seeded 80/10/10; auto: random in "
                     "enhancer mode, chrom otherwise", choices=["auto", "chrom", "random"])
    neg_ratio: float = opt(10.0, "enhancer mode: negatives per positive")
    neg_mix: str = opt(DEFAULT_NEG_MIX, "enhancer mode: proportions of negative categories "
                       "(exon, promoter, utr, intron, downstream, distal)")
    label_name: str = opt("enhancer", "enhancer mode: name of the label column")
    drop_unknown_chroms: bool = opt(False, "drop peaks on chromosomes the genome lacks (default: error)")
    outdir: str = opt(help="output directory")


def settings_from_options(opts: Options):
    """Validate the flags and turn them into ``prepare.Settings``."""
    from satori.data.prepare import Settings, parse_neg_mix
    from satori.data.regions import parse_chrom_list

    for name in ("upstream", "downstream", "merge_overlap"):
        if getattr(opts, name) < 0:
            raise InputError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(opts, name)}")
    if opts.length <= 0:
        raise InputError(f"--length must be > 0, got {opts.length}")
    if not 0.0 <= opts.max_n <= 1.0:
        raise InputError(f"--max-n is a fraction between 0 and 1, got {opts.max_n}")
    if opts.neg_ratio <= 0:
        raise InputError(f"--neg-ratio must be > 0, got {opts.neg_ratio}")
    if opts.gtf and opts.tss:
        raise InputError("give one annotation: --gtf or --tss, not both")
    if opts.mode == "promoter" and not (opts.gtf or opts.tss):
        raise InputError("--mode promoter needs an annotation: --gtf FILE or --tss FILE")
    if opts.mode == "enhancer" and not opts.gtf:
        raise InputError("--mode enhancer needs --gtf (negatives are drawn from its exons, introns, UTRs, ...)")
    if opts.mode == "enhancer" and opts.activity:
        raise InputError("--activity is for promoter/genome mode; enhancer mode takes one BED of positives")
    if opts.activity and opts.peaks.lower().endswith(".csv"):
        raise InputError("--activity goes with a merged BED in --peaks, not with a samplesheet")
    label = opts.label_name.strip()
    if not label or label in (formats.LABELS_ID, formats.LABELS_SPLIT) or "\t" in label:
        raise InputError(f"--label-name {opts.label_name!r} cannot be a label column name")
    split = opts.split if opts.split != "auto" else ("random" if opts.mode == "enhancer" else "chrom")
    return Settings(
        mode=opts.mode, upstream=opts.upstream, downstream=opts.downstream, merge_overlap=opts.merge_overlap,
        length=opts.length, max_n=opts.max_n,
        valid_chroms=parse_chrom_list(opts.valid_chroms, "--valid-chroms"),
        test_chroms=parse_chrom_list(opts.test_chroms, "--test-chroms"),
        split=split, neg_ratio=opts.neg_ratio, neg_mix=parse_neg_mix(opts.neg_mix), label_name=label,
        drop_unknown_chroms=opts.drop_unknown_chroms, seed=opts.seed,
    )


def format_summary(summary: dict) -> str:
    """The summary as a few human-readable lines (stderr)."""
    lines = [f"mode {summary['mode']}: {summary['regions']} regions "
             + ", ".join(f"{k} {v}" for k, v in summary["regions_per_split"].items())]
    dropped = {k: v for k, v in summary["dropped"].items() if v}
    lines.append("dropped: " + (", ".join(f"{k} {v}" for k, v in dropped.items()) if dropped else "none"))
    pos = summary["positives_per_label"]
    shown = list(pos.items())[:10]
    more = f" ... ({len(pos)} labels)" if len(pos) > 10 else ""
    lines.append("positives per label: " + ", ".join(f"{k} {v}" for k, v in shown) + more)
    if "negatives_per_category" in summary:
        lines.append("negatives per category: "
                     + ", ".join(f"{k} {v}" for k, v in summary["negatives_per_category"].items()))
    return "\n".join(lines)


def write_regions(path, regions) -> None:
    """``regions.bed``: a '#'-prefixed header line, then one tab-separated line per region."""
    import io

    buf = io.StringIO()
    buf.write("#" + "\t".join(formats.REGIONS_COLUMNS) + "\n")
    regions.to_csv(buf, sep="\t", index=False, header=False, lineterminator="\n")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(buf.getvalue())


def run(opts: Options) -> int:
    from satori.data.annotation import read_annotation, read_tss_bed, tss_from_annotation
    from satori.data.fasta import write_fasta
    from satori.data.genome import Genome
    from satori.data.labels import write_labels
    from satori.data.prepare import load_peaks, prepare_enhancers, prepare_peaks

    settings = settings_from_options(opts)
    peaks = load_peaks(opts.peaks, opts.activity)
    with Genome(opts.genome) as genome:
        if opts.mode == "enhancer":
            ann = read_annotation(opts.gtf)
            tss = tss_from_annotation(ann, opts.gtf)
            data = prepare_enhancers(peaks, genome, settings, ann, tss)
        else:
            tss = None
            if opts.mode == "promoter":
                tss = read_tss_bed(opts.tss) if opts.tss else tss_from_annotation(read_annotation(opts.gtf), opts.gtf)
            elif opts.gtf or opts.tss:
                log.info("--mode genome: the annotation is not used")
            data = prepare_peaks(peaks, genome, settings, tss)

    summary = dict(data.summary, settings={"split": settings.split, "length": settings.length})
    params = dict(options_dict(opts), satori_version=__version__)
    with staged_outdir(opts.outdir) as stage:
        write_fasta(stage / formats.SEQUENCES_FA, list(data.labels[formats.LABELS_ID]), data.seqs)
        write_labels(stage / formats.LABELS_TSV, data.labels)
        write_regions(stage / formats.REGIONS_BED, data.regions)
        (stage / formats.SUMMARY_JSON).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (stage / formats.PARAMS_JSON).write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    print(format_summary(data.summary), file=sys.stderr)
    return 0


def main(argv=None):
    return run_cli("satori-prepare-dhs", Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
