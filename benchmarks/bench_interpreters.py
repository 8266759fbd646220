"""Benchmark: interpret-raw, interpret-attr and dfim side by side on the same model and data.

Default size (issue 5): 1000 foreground + 1000 background sequences of 300 bp, a
random-weight model with 200 filters, pool 4 (the bench_interpret_raw model). Prints
each tool's wall time (process, end to end) and its floor, measured in this process
with the same threads:

- raw:  one forward pass over foreground + background;
- attr: --steps (m) x one forward+backward pass with the attention injected
        (integrated gradients cannot do less than m gradient evaluations);
- dfim: (hits + 1) x the DeepLIFT cost of one sequence (--n-shuffles references),
        hits = the mean number of hits (= mutants) per sequence that dfim reports.

Targets: attr < 1.5x its floor, dfim < 2x its floor. Also prints raw : attr : dfim.

    python benchmarks/bench_interpreters.py                              # full size
    python benchmarks/bench_interpreters.py --n-fg 60 --n-bg 60 --filters 32 --length 100   # quick check
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from _bench_data import ROOT, make_workdir, set_threads


def run_tool(tool, workdir, args, extra, max_seqs=None):
    out = workdir / f"out-{tool}"
    max_seqs = max_seqs or max(args.n_fg, args.n_bg)
    cmd = [sys.executable, str(ROOT / "bin" / f"satori-{tool}"),
           "--model", str(workdir / "model"), "--fasta", str(workdir / "seqs.fa.gz"),
           "--labels", str(workdir / "labels.tsv"), "--filter-motifs", str(workdir / "filter_motifs.tsv"),
           "--outdir", str(out), "--max-seqs", str(max_seqs),
           "--batch-size", str(args.batch_size), "--threads", str(args.threads), "--device", "cpu"] + extra
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t
    return wall, json.loads((out / "params.json").read_text())["summary"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-fg", type=int, default=1000)
    ap.add_argument("--n-bg", type=int, default=1000)
    ap.add_argument("--length", type=int, default=300)
    ap.add_argument("--filters", type=int, default=200)
    ap.add_argument("--pool", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--ig-batch", type=int, default=512)
    ap.add_argument("--n-shuffles", type=int, default=10)
    ap.add_argument("--dl-batch", type=int, default=256)
    ap.add_argument("--dl-sample", type=int, default=64, help="sequences timed for the DeepLIFT cost per sequence")
    ap.add_argument("--dfim-max-seqs", type=int, default=None,
                    help="cap dfim's foreground and background (its floor is computed for what it ran)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    ap.add_argument("--workdir", default=None, help="keep the generated data here (default: a temporary dir)")
    args = ap.parse_args()

    set_threads(args.threads)
    tmp = tempfile.TemporaryDirectory() if args.workdir is None else None
    workdir = Path(args.workdir or tmp.name)
    t = time.perf_counter()
    X, model, n_pos = make_workdir(workdir, args.n_fg, args.n_bg, args.length, args.filters, args.pool)
    print(f"setup: {len(X)} sequences ({n_pos} foreground) in {time.perf_counter() - t:.1f} s", flush=True)

    from satori.batching import predict
    from satori.interpret import dfim

    Xf = torch.from_numpy(X).float()
    # floor raw: one forward pass over all sequences
    predict(model, X[: args.batch_size], args.batch_size)
    t = time.perf_counter()
    predict(model, X, args.batch_size)
    floor_raw = time.perf_counter() - t
    # floor attr: m x one forward+backward (attention injected) over all sequences, in ig-batch rows
    rows = max(1, args.ig_batch)
    with torch.no_grad():
        model(Xf[:2])  # warm-up
    t = time.perf_counter()
    for s in range(0, len(Xf), rows):
        xb = Xf[s:s + rows]
        with torch.no_grad():
            _, A = model(xb, return_attention=True)
        A = A.clone().requires_grad_(True)
        torch.autograd.grad(model(xb, attention=A).sum(), A)
    floor_attr = args.steps * (time.perf_counter() - t)
    # DeepLIFT cost of one sequence (n-shuffles references), on a sample
    sample = Xf[: args.dl_sample]
    refs = dfim.references(sample, args.n_shuffles, 0)
    w = torch.ones(len(sample), 1)
    dfim.deeplift(model, sample[:2], refs[:2], w[:2], args.dl_batch, "cpu")  # warm-up
    t = time.perf_counter()
    dfim.deeplift(model, sample, refs, w, args.dl_batch, "cpu")
    dl_per_seq = (time.perf_counter() - t) / len(sample)

    wall_raw, s_raw = run_tool("interpret-raw", workdir, args, [])
    wall_attr, s_attr = run_tool("interpret-attr", workdir, args,
                                 ["--steps", str(args.steps), "--ig-batch", str(args.ig_batch)])
    wall_dfim, s_dfim = run_tool("dfim", workdir, args,
                                 ["--n-shuffles", str(args.n_shuffles), "--dl-batch", str(args.dl_batch)],
                                 args.dfim_max_seqs)
    n_seq = s_dfim["n_fg"] + s_dfim["n_bg"]
    hits = s_dfim["mean_hits_per_sequence"]
    floor_dfim = n_seq * (hits + 1) * dl_per_seq

    print(f"sequences interpreted: {s_raw['n_fg']} foreground + {s_raw['n_bg']} background")
    def inside(s):  # the tool's own phases (no interpreter start-up, imports, reading)
        return s["seconds_scan"] + s["seconds_scores"] + s["seconds_tests"]

    print(f"{'tool':16s} {'wall s':>9s} {'phases s':>9s} {'floor s':>9s} {'wall/floor':>11s} {'phases/floor':>13s}  target")
    for name, wall, s, floor, target in (("interpret-raw", wall_raw, s_raw, floor_raw, "< 3x (issue 4)"),
                                         ("interpret-attr", wall_attr, s_attr, floor_attr, "< 1.5x"),
                                         ("dfim", wall_dfim, s_dfim, floor_dfim, "< 2x")):
        print(f"{name:16s} {wall:9.1f} {inside(s):9.1f} {floor:9.1f} {wall / floor:10.2f}x {inside(s) / floor:12.2f}x  {target}")
    print(f"attr: m = {args.steps}; dfim: {n_seq} sequences"
          f" ({hits:.2f} hits/seq, {args.n_shuffles} references, DeepLIFT {1000 * dl_per_seq:.1f} ms/seq,"
          f" convergence delta {s_dfim['convergence_delta']:.2g})")
    n_raw = s_raw["n_fg"] + s_raw["n_bg"]
    print(f"ratios: attr / raw = {wall_attr / wall_raw:.1f}x (phases {inside(s_attr) / inside(s_raw):.1f}x), "
          f"dfim / raw = {wall_dfim / wall_raw:.1f}x; per sequence: dfim / raw = "
          f"{(wall_dfim / n_seq) / (wall_raw / n_raw):.0f}x (phases {(inside(s_dfim) / n_seq) / (inside(s_raw) / n_raw):.0f}x) "
          f"(paper, deep model: ~5x and > 100x)")
    for name, s in (("raw", s_raw), ("attr", s_attr), ("dfim", s_dfim)):
        print(f"  {name}: scan {s['seconds_scan']:.1f} s, maps + pair scores {s['seconds_scores']:.1f} s, "
              f"tests {s['seconds_tests']:.1f} s; tested pairs {s['n_tested']}, significant {s['n_significant']}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
