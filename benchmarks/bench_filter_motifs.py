"""Benchmark: satori-filter-motifs' TomTom step, 200 filters x JASPAR 2024 CORE vertebrates.

The filter PWMs come from a random-weight model (200 filters of width 13) over random
sequences. Prints the time of the PWM extraction, of loading JASPAR, of the first
TomTom call (compilation, or loading numba's cache) and of the annotation after
compilation (TomTom + q-values + tables; target < 10 s), then the wall time of the
whole satori-filter-motifs process on the same data (cache warm).

    python benchmarks/bench_filter_motifs.py
    python benchmarks/bench_filter_motifs.py --filters 50 --n-seqs 500   # quick check
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench_data import ROOT, make_workdir, set_threads


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--filters", type=int, default=200)
    ap.add_argument("--n-seqs", type=int, default=2000, help="sequences of 300 bp (half used as foreground)")
    ap.add_argument("--threads", type=int, default=0, help="torch and numba threads (0 = all)")
    args = ap.parse_args()
    set_threads(args.threads)

    from satori.interpret.hits import filter_thresholds
    from satori.interpret.select import scan
    from satori.motifs.filters import filter_pwms
    from satori.motifs.jaspar import load_jaspar
    from satori.motifs.tomtom import annotate_filters, ensure_numba_cache_dir

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        X, model, _ = make_workdir(workdir, args.n_seqs // 2, args.n_seqs - args.n_seqs // 2, 300, args.filters, 4)
        t = time.perf_counter()
        _, conv_max, _ = scan(model, X)
        pwms = filter_pwms(model, X, filter_thresholds(conv_max))
        print(f"PWMs of {args.filters} filters over {len(X)} sequences: {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        targets = load_jaspar("JASPAR2024", "CORE", "vertebrates")
        print(f"load JASPAR2024 CORE vertebrates ({len(targets)} motifs): {time.perf_counter() - t:.2f} s")
        motifs, ic = pwms.motifs(), pwms.information_content()
        for m in motifs:
            m.nsites = max(m.nsites, 10)  # compare every filter
        print(f"numba cache: {ensure_numba_cache_dir()}")
        t = time.perf_counter()
        annotate_filters(motifs[:2], ic[:2], targets, threads=args.threads)
        print(f"first TomTom call (compilation or cache load): {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        table, _ = annotate_filters(motifs, ic, targets, threads=args.threads)
        took = time.perf_counter() - t
        print(f"annotate {len(motifs)} filters x {len(targets)} motifs after compilation: {took:.2f} s   [target < 10 s]")
        cmd = [sys.executable, str(ROOT / "bin" / "satori-filter-motifs"), "--model", str(workdir / "model"),
               "--fasta", str(workdir / "seqs.fa.gz"), "--labels", str(workdir / "labels.tsv"),
               "--outdir", str(workdir / "fm"), "--threads", str(args.threads), "--device", "cpu",
               "--log-level", "WARNING"]
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        print(f"satori-filter-motifs process, end to end (cache warm): {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
