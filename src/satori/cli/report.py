"""satori-report: one self-contained HTML report per run, or a page comparing runs.

Two modes:

  satori-report --run DIR [--outdir OUT] [--title T] [--max-filters N] [--max-seqs N]
      Finds the outputs of every step under DIR (any layout: the files are found by
      name) and writes OUT/report.html (CSS and images inline, opens offline),
      OUT/figures/ (each figure as PNG, SVG and the TSV of its numbers),
      OUT/report_summary.json (the run's key numbers, read by --index) and
      OUT/params.json. OUT defaults to DIR/report. Sections whose inputs are missing
      or unreadable say why; a DIR that is missing, unreadable or holds no satori
      output at all is an error (exit 2, nothing written).

  satori-report --index DIR [DIR ...] --outdir OUT [--title T]
      DIRs are report directories (from --run) or run directories. Writes
      OUT/index.html comparing the configurations (test AUC; interaction precision,
      recall, F1 by dataset x entropy x method) with links to each report, its
      figures, and the MultiQC custom content: OUT/satori_summary_mqc.tsv and
      OUT/satori_*_mqc.png.

The attention section runs the model on up to --max-seqs test positives (cheap); the
test ROC/PR curves score up to 20 000 test sequences.
"""

from dataclasses import dataclass
from typing import List, Optional

from satori.cli.common import (
    CommonOptions, DeviceOptions, check_outdir, opt, options_dict, resolve_device, run_cli,
)
from satori.errors import InputError


@dataclass(kw_only=True)
class Options(CommonOptions, DeviceOptions):
    run: Optional[str] = opt(None, "a run's output directory (pipeline layout or flat) to report on")
    index: List[str] = opt([], "report or run directories to compare on one summary page (instead of --run)",
                           nargs="+", metavar="DIR")
    outdir: Optional[str] = opt(None, "output directory (default: RUN/report; required with --index)")
    title: Optional[str] = opt(None, "report title (default: 'satori report: <run directory name>')")
    max_filters: int = opt(100, "filters drawn with a logo (matched filters first, by q)")
    max_seqs: int = opt(100, "test positives run through the model for the attention maps")


def run(opts: Options) -> int:
    if opts.run and opts.index:
        raise InputError("give either --run DIR or --index DIR ..., not both")
    if opts.index:
        if not opts.outdir:
            raise InputError("--index needs --outdir")
        from satori.report.index import build_index

        build_index(opts.index, opts.outdir, opts.title, params=options_dict(opts))
        return 0
    if not opts.run:
        raise InputError("give --run DIR (one run's report) or --index DIR ... (a summary page)")
    if not opts.outdir:  # run_cli checked a given --outdir; this is its default
        from pathlib import Path

        check_outdir(Path(opts.run) / "report", "--outdir (default RUN/report)")
    device = resolve_device(opts.device)
    from satori.report.build import build_report

    build_report(opts.run, opts.outdir, title=opts.title, max_filters=opts.max_filters, max_seqs=opts.max_seqs,
                 device=device, seed=opts.seed, params=options_dict(opts))
    return 0


def main(argv=None):
    return run_cli("satori-report", Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
