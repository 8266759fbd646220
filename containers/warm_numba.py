"""Compile satori's numba code once, at image build time, into $NUMBA_CACHE_DIR.

numba compiles a kernel the first time it runs (TomTom's take about a minute each); a task
that finds it in the cache loads it in a second or two. Two passes:

1. memelite's TomTom called directly with float64 (MEME files, JASPAR) and float32 (PWMs
   from torch tensors) motifs, with and without n_nearest;
2. the pipeline's own chain on tiny data (simulate → train → filter-motifs against JASPAR →
   interpret-raw with negatives and with shuffled backgrounds), so every kernel the tools
   use (TomTom, the pair scoring, tangermeme's shuffles) is compiled with the argument
   types the tools really pass. This doubles as a smoke test of the image.

Run with NUMBA_CPU_NAME=generic (set in the images): numba keys its cache on the CPU, and
generic code is what makes a cache built on one machine load on any other x86-64 host.
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from memelite import tomtom

from satori.motifs.jaspar import load_jaspar

CPU = ["--threads", "1", "--seed", "0"]


def log(message: str) -> None:
    print(f"warm_numba: {message}", file=sys.stderr, flush=True)


def warm_tomtom() -> None:
    targets = [m.pwm.T for m in load_jaspar()]  # each (4, width), float64
    rng = np.random.default_rng(0)
    queries = [targets[i] for i in range(0, 40, 5)]
    queries += [rng.dirichlet(np.ones(4), size=w).T for w in (8, 12, 19)]
    for dtype in (np.float64, np.float32):
        q = [np.asarray(x, dtype=dtype) for x in queries]
        t = [np.asarray(x, dtype=dtype) for x in targets]
        for n_nearest in (None, 3):
            start = time.perf_counter()
            tomtom(q, t, n_nearest=n_nearest)
            log(f"tomtom {np.dtype(dtype).name} n_nearest={n_nearest}: {time.perf_counter() - start:.1f} s")


def run(*command: str, cwd: str) -> None:
    start = time.perf_counter()
    proc = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"warm_numba: {' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    log(f"{command[0]}: {time.perf_counter() - start:.1f} s")


def warm_chain() -> None:
    data = ["--fasta", "sim/sequences.fa.gz", "--labels", "sim/labels.tsv"]
    with tempfile.TemporaryDirectory() as tmp:
        run("satori-simulate", "--preset", "data-40", "--n-seqs", "400", "--outdir", "sim", *CPU, cwd=tmp)
        run("satori-train", *data, "--outdir", "model", "--max-epochs", "1", "--n-filters", "16",
            "--n-heads", "2", "--head-dim", "8", "--linear-units", "16", "--device", "cpu", *CPU, cwd=tmp)
        # a threshold near 0 keeps every positive, so the untrained model still has a foreground
        run("satori-filter-motifs", "--model", "model", *data, "--outdir", "motifs", "--pred-threshold", "0.01",
            "--device", "cpu", *CPU, cwd=tmp)
        for background in ("negatives", "shuffle"):
            run("satori-interpret-raw", "--model", "model", *data, "--filter-motifs", "motifs/filter_motifs.tsv",
                "--outdir", f"raw_{background}", "--background", background, "--pred-threshold", "0.01",
                "--device", "cpu", *CPU, cwd=tmp)


def main() -> int:
    cache = os.environ.get("NUMBA_CACHE_DIR")
    if not cache:
        log("NUMBA_CACHE_DIR is not set; nothing would be kept")
        return 1
    if os.environ.get("NUMBA_CPU_NAME") != "generic":
        log("NUMBA_CPU_NAME is not 'generic'; the cache would only fit this CPU")
        return 1
    warm_tomtom()
    warm_chain()
    n_files = sum(len(files) for _, _, files in os.walk(cache))
    log(f"{n_files} files in {cache}")
    return 0 if n_files else 1


if __name__ == "__main__":
    raise SystemExit(main())
