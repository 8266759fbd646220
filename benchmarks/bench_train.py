#!/usr/bin/env python3
"""Benchmark of satori-train: model quality and data-pipeline overhead.

(a) quality: train the basic model (default architecture) on a data-40-like dataset with
    lambda = 0 and lambda = 0.01 (at most --max-epochs epochs, default 10) through the
    real `satori-train` command, and report test AUC-ROC/AUPRC, seconds per epoch, the
    best epoch and the first epoch whose validation AUC reaches 0.85.
(b) overhead: time one training epoch of `satori.train.train_epoch` (random permutation,
    indexing the uint8 tensor, upcast, loss, backward, step, bookkeeping) against the
    floor: forward + loss + backward + step over the same batches pre-built as float
    tensors on the device. Overhead = epoch / floor - 1 (target < 10%). Also reports
    training sequences per second and the time of one validation pass.

Data: --fasta/--labels of an existing dataset, or (when `satori.cli.simulate` is
importable) a dataset simulated with `satori-simulate --preset data-40 --n-seqs N` into
--workdir (reused if already there).

Full size (the numbers of BENCHMARKS.md):
    python benchmarks/bench_train.py --n-seqs 12000 --workdir bench-train --threads 2
Quick check of the script:
    python benchmarks/bench_train.py --n-seqs 400 --workdir /tmp/bt --max-epochs 2 \
        --train-args "--n-filters 16 --linear-units 32" --overhead-seqs 256
"""

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from satori import formats  # noqa: E402
from satori.cli.common import resolve_device  # noqa: E402
from satori.cli.train import main as train_main  # noqa: E402
from satori.data.dataset import load_dataset  # noqa: E402
from satori.models import ModelConfig, build  # noqa: E402
from satori.train import TrainSettings, evaluate, make_optimizer, train_epoch  # noqa: E402
from satori.train.loop import amp_context, batch_loss, resolve_amp  # noqa: E402


def get_data(args):
    if args.fasta and args.labels:
        return Path(args.fasta), Path(args.labels)
    data_dir = Path(args.workdir) / f"data-40-n{args.n_seqs}-seed{args.seed}"
    fa, lab = data_dir / formats.SEQUENCES_FA, data_dir / formats.LABELS_TSV
    if fa.is_file() and lab.is_file():
        print(f"# reusing simulated data in {data_dir}")
        return fa, lab
    try:
        from satori.cli.simulate import main as simulate_main
    except ImportError:
        sys.exit("satori-simulate is not available here: pass --fasta and --labels of a data-40 dataset")
    t0 = time.perf_counter()
    status = simulate_main(["--outdir", str(data_dir), "--preset", "data-40", "--n-seqs", str(args.n_seqs),
                            "--seed", str(args.seed), "--log-level", "WARNING"])
    if status:
        sys.exit(f"satori-simulate failed with status {status}")
    print(f"# simulated {args.n_seqs} data-40 sequences in {time.perf_counter() - t0:.1f} s -> {data_dir}")
    return fa, lab


def quality(args, fa, lab):
    rows = []
    for lam in args.lambdas:
        outdir = Path(args.workdir) / f"model-lambda{lam:g}"
        argv = ["--fasta", str(fa), "--labels", str(lab), "--outdir", str(outdir), "--overwrite",
                "--entropy-lambda", str(lam), "--max-epochs", str(args.max_epochs), "--seed", str(args.seed),
                "--threads", str(args.threads), "--device", args.device, "--log-level", "WARNING",
                *shlex.split(args.train_args)]
        t0 = time.perf_counter()
        status = train_main(argv)
        wall = time.perf_counter() - t0
        if status:
            sys.exit(f"satori-train failed with status {status}")
        m = json.loads((outdir / formats.METRICS_JSON).read_text())
        history = [line.split("\t") for line in (outdir / formats.HISTORY_TSV).read_text().splitlines()]
        head, body = history[0], history[1:]
        auc_col, ent_col = head.index("valid_auc"), head.index("train_entropy")
        reach = next((int(r[0]) for r in body if r[auc_col] != "NA" and float(r[auc_col]) >= 0.85), None)
        rows.append({
            "lambda": lam, "test_auc": m["mean_auc_roc"], "test_auprc": m["mean_auprc"],
            "s_per_epoch": m["seconds_per_epoch"], "epochs": m["epochs_run"], "best_epoch": m["best_epoch"],
            "first_epoch_valid_auc_0.85": reach, "final_train_entropy": float(body[-1][ent_col]),
            "wall_s": wall,
        })
    print("\n## (a) quality: basic model, data-40-like, max %d epochs, device %s, threads %s"
          % (args.max_epochs, args.device, args.threads or "default"))
    print("lambda\ttest_AUC\ttest_AUPRC\ts/epoch\tepochs\tbest\tvalidAUC>=0.85@\ttrain_entropy\twall_s")
    for r in rows:
        print(f"{r['lambda']:g}\t{r['test_auc']:.4f}\t{r['test_auprc']:.4f}\t{r['s_per_epoch']:.1f}\t{r['epochs']}\t"
              f"{r['best_epoch']}\t{r['first_epoch_valid_auc_0.85']}\t{r['final_train_entropy']:.3f}\t{r['wall_s']:.0f}")
    return rows


def overhead(args, fa, lab):
    device = resolve_device(args.device)
    amp = resolve_amp(args.amp, device)
    data = load_dataset(fa, lab, seed=args.seed)
    X, y = data.subset("train")
    n = min(args.overhead_seqs, len(X)) if args.overhead_seqs else len(X)
    X, y = X[:n], y[:n]
    if device.type == "cuda":
        X, y = X.to(device), y.to(device)
    # the model flags of --train-args that matter for speed
    extra = shlex.split(args.train_args)
    cfg = {k: int(extra[extra.index(f"--{k.replace('_', '-')}") + 1])
           for k in ("n_filters", "filter_width", "pool", "n_heads", "head_dim", "linear_units")
           if f"--{k.replace('_', '-')}" in extra}
    torch.manual_seed(args.seed)
    model = build(ModelConfig(length=data.length, n_labels=data.n_labels, **cfg)).to(device)
    lam = args.lambdas[-1]
    settings = TrainSettings(entropy_lambda=lam, batch_size=args.batch_size, amp=amp, seed=args.seed)
    optimizer = make_optimizer(model, settings)
    generator = torch.Generator().manual_seed(args.seed)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    # the floor: the same batches, already float and on the device
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(args.seed)).to(X.device)
    batches = [(X[perm[i:i + args.batch_size]].to(device).float(), y[perm[i:i + args.batch_size]].to(device).float())
               for i in range(0, n, args.batch_size)]

    def floor_epoch():
        model.train()
        for xb, yb in batches:
            with amp_context(device, amp):
                loss, _ = batch_loss(model, xb, yb, lam)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    def pipeline_epoch():
        train_epoch(model, X, y, optimizer, settings, device, generator, progress=False)

    floor_epoch()  # warm-up (allocator, kernels)
    pipeline_epoch()
    floor_t, pipe_t = [], []
    for _ in range(args.repeats):  # interleaved, so slow drift of a shared machine hits both
        sync(); t0 = time.perf_counter(); floor_epoch(); sync(); floor_t.append(time.perf_counter() - t0)
        sync(); t0 = time.perf_counter(); pipeline_epoch(); sync(); pipe_t.append(time.perf_counter() - t0)
    Xv, yv = data.subset("valid")
    sync(); t0 = time.perf_counter()
    evaluate(model, Xv, yv, args.batch_size, device, lam, amp)
    sync(); valid_t = time.perf_counter() - t0
    f, p = min(floor_t), min(pipe_t)
    print(f"\n## (b) data-pipeline overhead: {n} training sequences x {data.length} bp, batch {args.batch_size}, "
          f"lambda {lam:g}, device {device}, amp {amp}, threads {torch.get_num_threads()}, best of {args.repeats}")
    print("floor_s\tepoch_s\toverhead\ttrain_seqs_per_s\tvalid_pass_s(n=%d)" % len(Xv))
    print(f"{f:.3f}\t{p:.3f}\t{100 * (p / f - 1):+.1f}%\t{n / p:.0f}\t{valid_t:.3f}")
    return {"floor_s": f, "epoch_s": p, "overhead": p / f - 1, "seqs_per_s": n / p, "valid_s": valid_t}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fasta", help="existing dataset (instead of simulating one)")
    ap.add_argument("--labels", help="its labels.tsv")
    ap.add_argument("--n-seqs", type=int, default=12000, help="sequences to simulate (default 12000)")
    ap.add_argument("--workdir", default="bench-train", help="data and model directories go here")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--amp", default="auto")
    ap.add_argument("--max-epochs", type=int, default=10)
    ap.add_argument("--lambdas", type=lambda s: [float(v) for v in s.split(",")], default=[0.0, 0.01])
    ap.add_argument("--batch-size", type=int, default=128, help="batch size of the overhead part")
    ap.add_argument("--train-args", default="", help="extra satori-train flags, e.g. \"--n-filters 16\"")
    ap.add_argument("--overhead-seqs", type=int, default=0, help="training sequences timed in (b) (0 = all)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats in (b); the minimum is reported")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.makedirs(args.workdir, exist_ok=True)
    fa, lab = get_data(args)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs; data {fa}")
    results = {}
    if not args.skip_quality:
        results["quality"] = quality(args, fa, lab)
    if not args.skip_overhead:
        results["overhead"] = overhead(args, fa, lab)
    out = Path(args.workdir) / "bench_train.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n# results also in {out}")


if __name__ == "__main__":
    main()
