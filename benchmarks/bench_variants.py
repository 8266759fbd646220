#!/usr/bin/env python3
"""Quality benchmark of the model variants (issue 7) on one simulated dataset.

For each variant (default: basic, deep, basic+BiLSTM) and each entropy weight (default
0 and 0.01), train with the real `satori-train` (--seeds seeds, the best by validation
AUC kept, as the paper) and report:

- classification: test AUC-ROC / AUPRC, best validation AUC, seconds per epoch, epochs;
- interpretation (when satori-filter-motifs, satori-interpret-raw and satori-evaluate
  are importable): raw-attention interactions scored against the simulation's truth,
  precision / recall / F1, with the filters annotated against the simulation's own
  motifs (--motif-db sim, the paper's setting), the bundled JASPAR (jaspar) or both.

Variants (--variants, comma-separated): basic, deep, basic-rnn, deep-rnn, basic-pe,
basic-preloaded, deep-preloaded (pre-loaded = the simulation's motifs.meme as frozen
PSSM filters: interpretation maps filters to motifs without TomTom). With the deep
architecture and lambda > 0 the residual conv->attention connection is on
(`--residual-attention auto`).

The paper: deep raises AUC and lowers interpretation F1 slightly; BiLSTM raised AUC
0.88 -> 0.96 and F1 0.33 -> 0.36 on Data-60; pre-loaded filters raise interpretation
accuracy and lower AUC.

Data: --fasta/--labels/--truth/--motifs of an existing simulation, or (when
`satori.cli.simulate` is importable) `satori-simulate --preset P --n-seqs N --seed S`
into --workdir (reused when already there). Use a simulation seed that no model or
lambda selection was tuned on.

Full size (the numbers of BENCHMARKS.md; hours on 2 CPU threads, minutes on a GPU):
    python benchmarks/bench_variants.py --preset data-60 --n-seqs 12000 --workdir bench-variants \
        --threads 2 --device cpu --max-epochs 10
Quick check of the script:
    python benchmarks/bench_variants.py --n-seqs 400 --workdir /tmp/bv --max-epochs 1 \
        --train-args "--n-filters 8 --n-heads 2 --head-dim 8 --linear-units 16 --deep-channels 8"
"""

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from satori import formats  # noqa: E402
from satori.cli.train import main as train_main  # noqa: E402
from satori.train import search  # noqa: E402

VARIANTS = {
    "basic": [],
    "deep": ["--arch", "deep"],
    "basic-rnn": ["--rnn"],
    "deep-rnn": ["--arch", "deep", "--rnn"],
    "basic-pe": ["--positional-encoding"],
    "basic-preloaded": ["--preload-motifs", "{motifs}"],
    "deep-preloaded": ["--arch", "deep", "--preload-motifs", "{motifs}"],
}


def get_data(args):
    if args.fasta:
        missing = [f for f in ("labels", "truth", "motifs") if not getattr(args, f)]
        if missing:
            sys.exit(f"with --fasta also give --{' --'.join(missing)}")
        return Path(args.fasta), Path(args.labels), Path(args.truth), Path(args.motifs)
    data_dir = Path(args.workdir) / f"{args.preset}-n{args.n_seqs}-seed{args.seed}"
    files = [data_dir / n for n in (formats.SEQUENCES_FA, formats.LABELS_TSV, formats.PAIRS_TSV, formats.MOTIFS_MEME)]
    if all(f.is_file() for f in files):
        print(f"# reusing simulated data in {data_dir}")
        return tuple(files)
    try:
        from satori.cli.simulate import main as simulate_main
    except ImportError:
        sys.exit("satori-simulate is not available here: pass --fasta, --labels, --truth and --motifs")
    t0 = time.perf_counter()
    status = simulate_main(["--outdir", str(data_dir), "--preset", args.preset, "--n-seqs", str(args.n_seqs),
                            "--seed", str(args.seed), "--log-level", "WARNING"])
    if status:
        sys.exit(f"satori-simulate failed with status {status}")
    print(f"# simulated {args.n_seqs} {args.preset} sequences in {time.perf_counter() - t0:.1f} s -> {data_dir}")
    return tuple(files)


def train_best_of_seeds(args, variant, lam, fa, lab, motifs):
    """Train one variant with every seed; return (best model dir, its metrics, wall seconds)."""
    flags = [f.format(motifs=motifs) for f in VARIANTS[variant]]
    best_dir, best_metrics, wall = None, None, 0.0
    for s in range(args.seed, args.seed + args.seeds):
        outdir = Path(args.workdir) / "models" / f"{variant}-lambda{lam:g}-seed{s}"
        argv = ["--fasta", str(fa), "--labels", str(lab), "--outdir", str(outdir), "--overwrite",
                "--entropy-lambda", str(lam), "--max-epochs", str(args.max_epochs), "--seed", str(s),
                "--threads", str(args.threads), "--device", args.device, "--log-level", "WARNING",
                *flags, *shlex.split(args.train_args)]
        t0 = time.perf_counter()
        status = train_main(argv)
        wall += time.perf_counter() - t0
        if status:
            print(f"# {variant} lambda {lam:g} seed {s}: satori-train failed with status {status}")
            continue
        m = json.loads((outdir / formats.METRICS_JSON).read_text())
        if best_metrics is None or (m["best_valid_auc"] or 0) > (best_metrics["best_valid_auc"] or 0):
            best_dir, best_metrics = outdir, m
    return best_dir, best_metrics, wall


def interpretation(args, model_dir, fa, lab, truth, motifs, tag):
    dbs = {"sim": [("sim", str(motifs))], "jaspar": [("jaspar", None)],
           "both": [("sim", str(motifs)), ("jaspar", None)]}[args.motif_db]
    out = {}
    for label, db in dbs:
        t0 = time.perf_counter()
        try:
            ev = search.interaction_evaluation(
                model_dir, str(fa), str(lab), str(truth), Path(args.workdir) / "interpretation" / f"{tag}-{label}",
                motif_db=db, device=args.device, seed=args.seed, threads=args.threads,
                interpret_args=args.interpret_args)
        except Exception as exc:  # one failed interpretation should not lose the other rows
            print(f"# {tag} ({label}): interpretation failed: {type(exc).__name__}: {exc}", flush=True)
            ev = {"error": f"{type(exc).__name__}: {exc}"}
        out[label] = {k: ev.get(k) for k in ("precision", "recall", "f1", "n_tp", "n_fp", "n_fn", "error")}
        out[label]["seconds"] = time.perf_counter() - t0
    return out


def fmt(v, spec=".3f"):
    return "NA" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fasta", help="existing simulation (instead of simulating one)")
    ap.add_argument("--labels")
    ap.add_argument("--truth", help="its pairs.tsv")
    ap.add_argument("--motifs", help="its motifs.meme")
    ap.add_argument("--preset", default="data-60", help="satori-simulate preset (default data-60, the paper's BiLSTM test)")
    ap.add_argument("--n-seqs", type=int, default=12000, help="sequences to simulate (default 12000)")
    ap.add_argument("--workdir", default="bench-variants")
    ap.add_argument("--seed", type=int, default=1, help="simulation seed and first training seed")
    ap.add_argument("--seeds", type=int, default=1, help="training seeds per model, best by validation AUC (paper: 3)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--max-epochs", type=int, default=10)
    ap.add_argument("--variants", default="basic,deep,basic-rnn", help=f"comma-separated, from {', '.join(VARIANTS)}")
    ap.add_argument("--lambdas", type=lambda s: [float(v) for v in s.split(",")], default=[0.0, 0.01])
    ap.add_argument("--train-args", default="", help="extra satori-train flags for every model")
    ap.add_argument("--interpret-args", default="", help="extra satori-interpret-raw flags")
    ap.add_argument("--motif-db", choices=["sim", "jaspar", "both"], default="both",
                    help="filter annotation database(s) for the interaction scores")
    ap.add_argument("--skip-interpretation", action="store_true")
    args = ap.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        sys.exit(f"unknown variants {unknown} (known: {', '.join(VARIANTS)})")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    os.makedirs(args.workdir, exist_ok=True)
    fa, lab, truth, motifs = get_data(args)
    interpret = not args.skip_interpretation and search.interaction_tools_available()
    if not interpret and not args.skip_interpretation:
        print("# satori-filter-motifs / interpret-raw / evaluate not importable: classification only")

    rows = []
    for variant in variants:
        for lam in args.lambdas:
            model_dir, m, wall = train_best_of_seeds(args, variant, lam, fa, lab, motifs)
            if m is None:
                continue
            row = {"variant": variant, "lambda": lam, "model": str(model_dir), "test_auc": m["mean_auc_roc"],
                   "test_auprc": m["mean_auprc"], "valid_auc": m["best_valid_auc"],
                   "s_per_epoch": m["seconds_per_epoch"], "epochs": m["epochs_run"], "best_epoch": m["best_epoch"],
                   "test_entropy": m["test_entropy"], "train_wall_s": wall}
            if interpret:
                row["interactions"] = interpretation(args, model_dir, fa, lab, truth, motifs, f"{variant}-lambda{lam:g}")
            rows.append(row)
            print(f"# {variant} lambda {lam:g}: test AUC {fmt(row['test_auc'], '.4f')}", flush=True)

    print(f"\n## model variants: {fa.parent.name}, max {args.max_epochs} epochs, {args.seeds} seed(s), "
          f"device {args.device}, threads {args.threads or 'default'}")
    head = "variant\tlambda\ttest_AUC\ttest_AUPRC\tvalid_AUC\ts/epoch\tepochs\ttest_entropy"
    dbs = sorted({db for r in rows for db in r.get("interactions", {})}, reverse=True)
    for db in dbs:
        head += f"\tP_{db}\tR_{db}\tF1_{db}"
    print(head)
    for r in rows:
        line = (f"{r['variant']}\t{r['lambda']:g}\t{fmt(r['test_auc'], '.4f')}\t{fmt(r['test_auprc'], '.4f')}\t"
                f"{fmt(r['valid_auc'], '.4f')}\t{fmt(r['s_per_epoch'], '.1f')}\t{r['epochs']}\t"
                f"{fmt(r['test_entropy'], '.3f')}")
        for db in dbs:
            ev = r.get("interactions", {}).get(db, {})
            line += f"\t{fmt(ev.get('precision'))}\t{fmt(ev.get('recall'))}\t{fmt(ev.get('f1'))}"
        print(line)
    out = Path(args.workdir) / "bench_variants.json"
    out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\n# results also in {out}")


if __name__ == "__main__":
    main()
