"""Benchmark: are filter names calibrated? Random PWMs vs re-estimated JASPAR motifs.

Against the bundled JASPAR2024 CORE vertebrates (or --motif-db), through
``satori.motifs.tomtom.annotate_filters`` as satori-filter-motifs calls it:

1. ``--n-random`` random PWMs (10-16 columns, Dirichlet columns, total IC 4-10 bits,
   seed distinct from the null's): the share named at q <= 0.05 (target <= 5 %), the
   most frequent names, and the share of calibrated p < 0.01 / 0.001 by target width
   (a calibrated p gives about 0.01 / 0.001 in every row).
2. ``--n-real`` JASPAR motifs re-estimated from 40 sites sampled from their PWM
   (pseudocount 0.25 per base) and padded by 0-3 random columns (Dirichlet(1)) on each
   side: the share named after their own TF, and after their own TF or a member of its
   motif cluster (target >= 90 %).

    python benchmarks/bench_tomtom_calibration.py [--no-calibrate] [--threads 1]
"""

import argparse
import collections
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from satori.motifs.io import Motif, information_content  # noqa: E402


def random_pwms(rng, n, widths=(10, 16), ic=(4.0, 10.0)):
    out = []
    while len(out) < n:
        w = int(rng.integers(widths[0], widths[1] + 1))
        alpha = float(np.exp(rng.uniform(np.log(0.2), np.log(3.0))))
        pwm = rng.dirichlet([alpha] * 4, size=w)
        if ic[0] <= information_content(pwm) <= ic[1]:
            out.append(pwm)
    return out


def resampled(rng, pwm, n_sites=40, pad=3, pseudocount=0.25):
    w = pwm.shape[0]
    counts = np.stack([rng.multinomial(n_sites, col / col.sum()) for col in pwm]).astype(float)
    core = (counts + pseudocount) / (n_sites + 4 * pseudocount)
    left = rng.dirichlet(np.ones(4), size=int(rng.integers(0, pad + 1)))
    right = rng.dirichlet(np.ones(4), size=int(rng.integers(0, pad + 1)))
    return np.concatenate([left, core, right]) if w else core


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-random", type=int, default=300)
    ap.add_argument("--n-real", type=int, default=150)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--motif-db", default=None)
    ap.add_argument("--no-calibrate", action="store_true", help="memelite's p of the untrimmed PWM (before issue 16)")
    args = ap.parse_args()

    from satori.motifs import clusters as motif_clusters
    from satori.motifs.io import read_motifs
    from satori.motifs.jaspar import load_jaspar
    from satori.motifs.tomtom import annotate_filters, compare

    db = read_motifs(args.motif_db) if args.motif_db else load_jaspar()
    calibrate = not args.no_calibrate
    t = time.perf_counter()
    compare([db[0].pwm], db, threads=args.threads, calibrate=calibrate)  # builds / loads the null
    print(f"database: {len(db)} motifs; null ready in {time.perf_counter() - t:.1f} s (calibrate={calibrate})")
    rng = np.random.default_rng(args.seed)

    rand = random_pwms(rng, args.n_random)
    motifs = [Motif(f"filter{i}", f"filter{i}", p, 100) for i, p in enumerate(rand)]
    ic = np.array([information_content(p) for p in rand])
    table, _ = annotate_filters(motifs, ic, db, threads=args.threads, calibrate=calibrate)
    named = table[table["tf"] != ""]
    print(f"random PWMs (10-16 cols, IC 4-10 bits, mean {ic.mean():.1f}): {len(named)} of {len(rand)} named "
          f"({100 * len(named) / len(rand):.1f} %) at q <= 0.05; top names {collections.Counter(named['tf']).most_common(3)}")
    res = compare(rand, db, threads=args.threads, calibrate=calibrate)
    tw = np.array([m.width for m in db])
    for lo, hi in [(4, 8), (8, 12), (12, 16), (16, 20), (20, 25), (25, 40)]:
        sel = (tw >= lo) & (tw < hi)
        if sel.any():
            pp = res.p[:, sel]
            print(f"  targets {lo:2d}-{hi - 1:2d} cols (n={sel.sum():3d}): share p<0.01 {np.mean(pp < 0.01):.4f}  "
                  f"p<0.001 {np.mean(pp < 0.001):.5f}")

    clustering = motif_clusters.database_clusters(db, threads=args.threads)
    idx = rng.choice(len(db), size=min(args.n_real, len(db)), replace=False)
    real = [resampled(rng, db[i].pwm) for i in idx]
    motifs = [Motif(f"filter{k}", f"filter{k}", p, 40) for k, p in enumerate(real)]
    table, _ = annotate_filters(motifs, np.array([information_content(p) for p in real]), db,
                                threads=args.threads, calibrate=calibrate)
    own = cluster_hit = n_named = 0
    for k, i in enumerate(idx):
        tf = table["tf"].iloc[k]
        if not tf:
            continue
        n_named += 1
        own += tf.lower() == db[i].name.lower()
        members = {n.lower() for n in clustering.tfs_of(db[i].id)}
        cluster_hit += tf.lower() in members
    n = len(idx)
    print(f"JASPAR motifs from 40 sites, padded 0-3 random columns: {n_named} of {n} named; own TF {own} "
          f"({100 * own / n:.1f} %); own TF or a member of its cluster {cluster_hit} ({100 * cluster_hit / n:.1f} %)")


if __name__ == "__main__":
    main()
