"""Run the whole simulated benchmark in one command, on embedded defaults.

simulate (bundled JASPAR) -> train -> filter-motifs (against JASPAR2024 CORE vertebrates,
879 motifs, and against the simulation's own motifs) -> interpret-raw -> evaluate -> report, each
step exactly the command-line tool of the same name, run in this process. The run tree
in --outdir is the one the Nextflow pipeline publishes:

  simulate/  train/  filter_motifs/{jaspar,simulation}/  interpret_raw/{jaspar,simulation}/
  evaluate/{jaspar,simulation}/  report/report.html

The defaults are sized for a laptop CPU (about 30 minutes on a 2-core CPU); `--n-seqs 60000
--max-epochs 30` is the paper's Data-40 setting (use a GPU: `--device cuda`).
Every option of the steps themselves is available by running the steps by hand.
"""

from dataclasses import dataclass
from pathlib import Path

from satori.cli.common import CommonOptions, DeviceOptions, log, opt, run_cli, setup_logging
from satori.errors import InputError

PROG = "satori-demo"


@dataclass(kw_only=True)
class Options(CommonOptions, DeviceOptions):
    outdir: str = opt(help="run directory (created)")
    preset: str = opt("data-40", "simulation preset (data-40, data-60, data-80, long-1500)")
    n_seqs: int = opt(20000, "simulated sequences (the paper: 60000)")
    max_epochs: int = opt(10, "training epochs at most (early stopping on validation loss)")
    entropy_lambda: float = opt(0.0, "weight of the attention entropy loss (0 = off)")
    report: bool = opt(True, "--no-report skips the HTML report (report/report.html)")


def _step(name: str, main, argv, log_level: str) -> None:
    # each step's main() sets the log format to its own name: take it back for the banner
    setup_logging(PROG, log_level)
    log.info("=== %s %s", name, " ".join(argv))
    status = main(argv)
    if status:
        raise InputError(f"step {name} failed (exit status {status}); see the messages above")


def run(opts: Options) -> int:
    from satori.cli import evaluate, filter_motifs, interpret_raw, simulate, train

    out = Path(opts.outdir)
    logs = ["--log-level", opts.log_level]
    common = ["--seed", str(opts.seed), "--threads", str(opts.threads)] + logs
    device = ["--device", opts.device]
    sim, model = out / "simulate", out / "train"
    data = ["--fasta", str(sim / "sequences.fa.gz"), "--labels", str(sim / "labels.tsv")]

    _step("simulate", simulate.main,
          ["--outdir", str(sim), "--preset", opts.preset, "--n-seqs", str(opts.n_seqs)] + common, opts.log_level)
    _step("train", train.main, data + ["--outdir", str(model), "--max-epochs", str(opts.max_epochs),
                                       "--entropy-lambda", str(opts.entropy_lambda), "--overwrite"]
          + common + device, opts.log_level)
    for db, db_args in (("jaspar", []), ("simulation", ["--motif-db", str(sim / "motifs.meme")])):
        fm, raw, ev = out / "filter_motifs" / db, out / "interpret_raw" / db, out / "evaluate" / db
        _step(f"filter-motifs ({db})", filter_motifs.main,
              ["--model", str(model), "--outdir", str(fm)] + data + db_args + common + device, opts.log_level)
        _step(f"interpret-raw ({db})", interpret_raw.main,
              ["--model", str(model), "--filter-motifs", str(fm / "filter_motifs.tsv"), "--outdir", str(raw)]
              + data + common + device, opts.log_level)
        _step(f"evaluate ({db})", evaluate.main,
              ["--interactions", str(raw / "tf_interactions.tsv"), "--truth", str(sim / "pairs.tsv"),
               "--outdir", str(ev), "--db-label", db] + logs, opts.log_level)
    if opts.report:
        from satori.cli import report

        _step("report", report.main, ["--run", str(out), "--outdir", str(out / "report")] + common + device,
              opts.log_level)
    setup_logging(PROG, opts.log_level)
    log.info("done: %s", out / "report" / "report.html" if opts.report else out)
    return 0


def main(argv=None):
    return run_cli(PROG, Options, run, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
