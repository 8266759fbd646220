#!/usr/bin/env python3
"""Benchmark satori-simulate: a full-size preset end to end (a benchmark, not a test).

Runs ``bin/satori-simulate`` in a fresh process (interpreter start, imports, loading
JASPAR, simulation, writing every file) and prints the wall time; then, unless
``--no-breakdown``, times the phases in this process (load motifs, simulate, write).

    python benchmarks/bench_simulate.py                      # data-40, 60 000 x 300 bp
    python benchmarks/bench_simulate.py --n-seqs 2000        # quick check
    python benchmarks/bench_simulate.py --preset long-1500

Target (issue 2): data-40 at full size under 15 s on a 2-core machine.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def end_to_end(preset: str, n_seqs: int, seed: int, outdir: Path) -> float:
    cmd = [sys.executable, str(ROOT / "bin" / "satori-simulate"), "--outdir", str(outdir),
           "--preset", preset, "--n-seqs", str(n_seqs), "--seed", str(seed), "--log-level", "WARNING"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


def breakdown(preset: str, n_seqs: int, seed: int, outdir: Path) -> dict:
    from satori.atomic import staged_outdir
    from satori.motifs.jaspar import load_jaspar
    from satori.simulate import resolve, simulate, write_dataset

    times = {}
    t = time.perf_counter()
    pool = load_jaspar()
    times["load JASPAR"] = time.perf_counter() - t
    t = time.perf_counter()
    data = simulate(resolve(preset, n_seqs=n_seqs), pool, seed)
    times["simulate"] = time.perf_counter() - t
    t = time.perf_counter()
    with staged_outdir(outdir) as stage:
        write_dataset(stage, data, {})
    times["write files"] = time.perf_counter() - t
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="data-40")
    ap.add_argument("--n-seqs", type=int, default=60_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-breakdown", action="store_true", help="only the end-to-end run")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-simulate-") as tmp:
        seconds = end_to_end(args.preset, args.n_seqs, args.seed, Path(tmp) / "e2e")
        size = sum(f.stat().st_size for f in (Path(tmp) / "e2e").iterdir())
        print(f"satori-simulate --preset {args.preset} --n-seqs {args.n_seqs}: "
              f"{seconds:.2f} s end to end (outputs {size / 1e6:.1f} MB); cpus={os.cpu_count()}")
        if not args.no_breakdown:
            for phase, s in breakdown(args.preset, args.n_seqs, args.seed, Path(tmp) / "parts").items():
                print(f"  {phase:12s} {s:6.2f} s")


if __name__ == "__main__":
    main()
