"""Benchmark: satori-interpret-raw on random data vs the floor (one bare forward pass).

Default size (issue 4): 5000 foreground + 5000 background sequences of 300 bp, a
random-weight model with 200 filters, pool 4 (4 heads x 64, 512 linear units).
Prints the wall time and peak memory (max RSS) of the satori-interpret-raw process
(model forward included; no TomTom: filter_motifs.tsv is made up), its internal
phase timings, and the time of a bare forward pass over the same sequences with
satori.batching.predict (the floor). Targets: < 60 s, < 2 GiB, < 3x the floor.

    python benchmarks/bench_interpret_raw.py                     # full size
    python benchmarks/bench_interpret_raw.py --n-fg 500 --n-bg 500   # quick check
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench_data import ROOT, make_workdir, set_threads


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-fg", type=int, default=5000)
    ap.add_argument("--n-bg", type=int, default=5000)
    ap.add_argument("--length", type=int, default=300)
    ap.add_argument("--filters", type=int, default=200)
    ap.add_argument("--pool", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    ap.add_argument("--workdir", default=None, help="keep the generated data here (default: a temporary dir)")
    args = ap.parse_args()

    set_threads(args.threads)
    tmp = tempfile.TemporaryDirectory() if args.workdir is None else None
    workdir = Path(args.workdir or tmp.name)
    t = time.perf_counter()
    X, model, n_pos = make_workdir(workdir, args.n_fg, args.n_bg, args.length, args.filters, args.pool)
    print(f"setup: {len(X)} sequences ({n_pos} foreground) in {time.perf_counter() - t:.1f} s", flush=True)

    # the floor: one bare forward pass over the same sequences (in this process, same threads)
    from satori.batching import predict

    predict(model, X[: args.batch_size], args.batch_size)  # warm-up
    t = time.perf_counter()
    predict(model, X, args.batch_size)
    floor = time.perf_counter() - t

    cmd = [sys.executable, str(ROOT / "bin" / "satori-interpret-raw"),
           "--model", str(workdir / "model"), "--fasta", str(workdir / "seqs.fa.gz"),
           "--labels", str(workdir / "labels.tsv"), "--filter-motifs", str(workdir / "filter_motifs.tsv"),
           "--outdir", str(workdir / "out"), "--max-seqs", str(max(args.n_fg, args.n_bg)),
           "--batch-size", str(args.batch_size), "--threads", str(args.threads), "--device", "cpu"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2  # KiB on Linux
    summary = json.loads((workdir / "out" / "params.json").read_text())["summary"]
    inside = summary["seconds_scan"] + summary["seconds_scores"] + summary["seconds_tests"]

    print(f"interpret-raw wall (process, end to end): {wall:.1f} s   [target < 60 s]")
    print(f"  phases: scan {summary['seconds_scan']:.1f} s, map + pair scores {summary['seconds_scores']:.1f} s, "
          f"tests + tables {summary['seconds_tests']:.1f} s (sum {inside:.1f} s)")
    print(f"  foreground {summary['n_fg']}, background {summary['n_bg']}, present pairs (summed over sequences) "
          f"{summary['fg_present']} + {summary['bg_present']}, tested pairs {summary['n_tested']}")
    print(f"peak memory (max RSS): {peak_gib:.2f} GiB   [target < 2 GiB]")
    print(f"floor (bare forward pass over {len(X)} sequences): {floor:.1f} s")
    print(f"ratio wall / floor: {wall / floor:.2f}x; phases / floor: {inside / floor:.2f}x   [target < 3x]")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
