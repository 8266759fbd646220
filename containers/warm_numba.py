"""Compile memelite's TomTom once, at image build time, into $NUMBA_CACHE_DIR.

numba compiles TomTom's kernels the first time they run (about a minute per kernel
signature); a task that finds them in the cache loads them in a second or two. Run with
NUMBA_CPU_NAME=generic (set in the images) so the cached machine code does not depend on
the build machine's CPU and is reused on any x86-64 host. Both float64 (MEME files, JASPAR)
and float32 (PWMs computed from torch tensors) inputs are compiled, with and without
n_nearest.
"""

import os
import sys
import time

import numpy as np
from memelite import tomtom

from satori.motifs.jaspar import load_jaspar


def main() -> int:
    cache = os.environ.get("NUMBA_CACHE_DIR")
    if not cache:
        print("warm_numba: NUMBA_CACHE_DIR is not set; nothing would be kept", file=sys.stderr)
        return 1
    if os.environ.get("NUMBA_CPU_NAME") != "generic":
        print("warm_numba: NUMBA_CPU_NAME is not 'generic'; the cache would only fit this CPU", file=sys.stderr)
        return 1

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
            print(f"warm_numba: tomtom {np.dtype(dtype).name} n_nearest={n_nearest}: "
                  f"{time.perf_counter() - start:.1f} s", file=sys.stderr)

    n_files = sum(len(files) for _, _, files in os.walk(cache))
    print(f"warm_numba: {n_files} files in {cache}", file=sys.stderr)
    return 0 if n_files else 1


if __name__ == "__main__":
    raise SystemExit(main())
