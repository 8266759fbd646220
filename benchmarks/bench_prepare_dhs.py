"""Benchmark satori-prepare-dhs and satori-hippie-lookup on synthetic data of the paper's sizes.

Full size (``--scale 1``, the issue's targets):

- promoter mode: a 100 Mb genome (10 chromosomes), 20 000 genes, 50 samples x 20 000 peaks
  (target: < 60 s, < 4 GiB);
- genome mode: 80 000 regions x 36 samples (merged BED + activity table), same genome
  (target: < 60 s, < 4 GiB);
- hippie-lookup: a HIPPIE-format MITAB of 800 000 rows, 2 000 predicted pairs over 300 TFs
  (target: < 20 s).

Every tool runs as a subprocess (``python -m satori.cli.<tool>``): the wall time includes
start-up and all I/O; the memory is the child's peak resident set size. Input generation
is not timed. No ``--threads``: neither tool uses torch threads, and the flag would
only add torch's import to the start-up. Usage::

    python benchmarks/bench_prepare_dhs.py                 # full size
    python benchmarks/bench_prepare_dhs.py --scale 0.02    # quick check
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from satori import formats  # noqa: E402

_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def write_genome(path: Path, n_chroms: int, chrom_len: int, rng) -> dict:
    sizes = {}
    with open(path, "wb") as fh:
        for i in range(n_chroms):
            name = f"chr{i + 1}"
            seq = _BASES[rng.integers(0, 4, chrom_len, dtype=np.uint8)]
            seq[: min(10_000, chrom_len // 10)] = ord("N")
            n_full = chrom_len // 60
            body = np.concatenate([seq[: n_full * 60].reshape(n_full, 60),
                                   np.full((n_full, 1), ord("\n"), dtype=np.uint8)], axis=1).tobytes()
            fh.write(f">{name}\n".encode() + body)
            if chrom_len % 60:
                fh.write(seq[n_full * 60:].tobytes() + b"\n")
            sizes[name] = chrom_len
    return sizes


def write_gtf(path: Path, sizes: dict, n_genes: int, rng) -> np.ndarray:
    """Genes with a transcript and 3 exons each; returns TSS table (chrom index, pos, strand)."""
    names = list(sizes)
    chrom = rng.integers(0, len(names), n_genes)
    length = rng.integers(2_000, 30_000, n_genes)
    start = rng.integers(20_000, np.array([sizes[names[c]] for c in chrom]) - 40_000)
    strand = np.where(rng.random(n_genes) < 0.5, "+", "-")
    lines = []
    for g in range(n_genes):
        c, s, L, st = names[chrom[g]], int(start[g]), int(length[g]), strand[g]
        attr = f'gene_id "G{g}"; gene_name "GENE{g}"; transcript_id "T{g}";'
        lines.append(f"{c}\tb\tgene\t{s + 1}\t{s + L}\t.\t{st}\t.\t{attr}")
        lines.append(f"{c}\tb\ttranscript\t{s + 1}\t{s + L}\t.\t{st}\t.\t{attr}")
        for e in (0, L // 2, L - 200):
            lines.append(f"{c}\tb\texon\t{s + e + 1}\t{s + e + 200}\t.\t{st}\t.\t{attr}")
    path.write_text("\n".join(lines) + "\n")
    tss = np.where(strand == "+", start, start + length - 1)
    return np.column_stack([chrom, tss])


def write_peaks(d: Path, sizes: dict, tss: np.ndarray, n_samples: int, n_peaks: int, rng) -> Path:
    """Samples draw their peaks from a shared pool of sites (40% near promoters), jittered."""
    names = list(sizes)
    n_sites = int(n_peaks * 3)
    n_prom = int(n_sites * 0.4)
    pick = rng.integers(0, len(tss), n_prom)
    site_chrom = np.concatenate([tss[pick, 0], rng.integers(0, len(names), n_sites - n_prom)])
    site_pos = np.concatenate([tss[pick, 1] - rng.integers(0, 900, n_prom),
                               rng.integers(20_000, min(sizes.values()) - 20_000, n_sites - n_prom)])
    sheet = ["sample,bed"]
    (d / "peaks").mkdir(exist_ok=True)
    for s in range(n_samples):
        idx = np.sort(rng.choice(n_sites, n_peaks, replace=False))
        width = rng.integers(150, 500, n_peaks)
        start = site_pos[idx] + rng.integers(-80, 81, n_peaks) - width // 2
        rows = [f"{names[c]}\t{a}\t{a + w}\tpeak{i}\t500\t.\t5\t-1\t-1\t{w // 2}"
                for i, (c, a, w) in enumerate(zip(site_chrom[idx], start, width))]
        (d / "peaks" / f"s{s}.bed").write_text("\n".join(rows) + "\n")
        sheet.append(f"s{s},peaks/s{s}.bed")
    (d / "sheet.csv").write_text("\n".join(sheet) + "\n")
    return d / "sheet.csv"


def write_activity(d: Path, sizes: dict, n_regions: int, n_samples: int, rng):
    names = list(sizes)
    chrom = rng.integers(0, len(names), n_regions)
    start = rng.integers(20_000, min(sizes.values()) - 20_000, n_regions)
    ids = [f"r{i}" for i in range(n_regions)]
    (d / "merged.bed").write_text(
        "".join(f"{names[c]}\t{s}\t{s + 600}\t{i}\n" for c, s, i in zip(chrom, start, ids)))
    act = (rng.random((n_regions, n_samples)) < 0.2).astype(np.uint8)
    header = "\t" + "\t".join(f"sample{j}" for j in range(n_samples))
    body = "\n".join(i + "\t" + "\t".join(map(str, row)) for i, row in zip(ids, act.tolist()))
    (d / "act.tsv").write_text(header + "\n" + body + "\n")


def write_mitab_and_pairs(d: Path, n_rows: int, n_tfs: int, n_pairs: int, rng):
    genes = np.array([f"G{i}" for i in range(17_000)] + [f"TF{i}" for i in range(n_tfs)], dtype=object)
    a = rng.integers(0, len(genes), n_rows)
    b = rng.integers(0, len(genes), n_rows)
    score = np.round(rng.random(n_rows), 2)
    header = "\t".join(formats.MITAB_COLUMNS + formats.HIPPIE_EXTRA_COLUMNS)
    ga, gb = genes[a], genes[b]
    lines = [
        f"uniprotkb:{x}_HUMAN\tuniprotkb:{y}_HUMAN\tentrez gene:{i}\tentrez gene:{j}\tuniprotkb:{x}\tuniprotkb:{y}\t"
        f"MI:0018(two hybrid)\t-\tpubmed:{k}\ttaxid:9606(Homo sapiens)\ttaxid:9606(Homo sapiens)\t-\t"
        f"biogrid|intact\t-\t{s}\t-\t{x}\t{y}"
        for k, (x, y, i, j, s) in enumerate(zip(ga, gb, a, b, score))
    ]
    (d / "hippie.txt").write_text(header + "\n" + "\n".join(lines) + "\n")
    t1 = rng.integers(0, n_tfs, n_pairs)
    t2 = (t1 + rng.integers(1, n_tfs, n_pairs)) % n_tfs
    q = rng.random(n_pairs) * 0.1
    rows = [f"TF{x}::G{x}\tTF{y}\t{qq:.4g}\t{qq / 10:.4g}\t1\t12\traw" for x, y, qq in zip(t1, t2, q)]
    (d / "tf.tsv").write_text("\t".join(formats.TF_INTERACTIONS_COLUMNS) + "\n" + "\n".join(rows) + "\n")


def timed(cmd, label, results, logdir: Path):
    """Run ``cmd``; record its wall time and its own peak RSS (``os.wait4`` on that child)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    log = logdir / (label.replace(" ", "_") + ".log")
    with open(log, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    rss_gib = usage.ru_maxrss / 2**20  # ru_maxrss is in KiB on Linux
    lines = log.read_text().strip().splitlines()
    if proc.returncode != 0:
        print("\n".join(lines[-20:]), file=sys.stderr)
        raise SystemExit(f"{label} failed with status {proc.returncode}")
    results.append((label, wall, rss_gib))
    print(f"{label}: {wall:.1f} s, peak RSS {rss_gib:.2f} GiB", flush=True)
    print("   " + (lines[-1] if lines else ""), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (default 1)")
    ap.add_argument("--workdir", default=None, help="keep inputs here (default: a temporary directory)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    s = args.scale
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="satori-bench-") as tmp:
        d = Path(args.workdir or tmp)
        d.mkdir(parents=True, exist_ok=True)
        n_chroms, chrom_len = 10, max(200_000, int(10_000_000 * s))
        n_genes, n_samples, n_peaks = max(100, int(20_000 * s)), 50, max(200, int(20_000 * s))
        n_regions, n_act = max(500, int(80_000 * s)), 36
        n_mitab, n_tfs, n_pairs = max(5_000, int(800_000 * s)), 300, max(200, int(2_000 * s))
        print(f"generating inputs in {d}: genome {n_chroms} x {chrom_len:,} bp, {n_genes:,} genes, "
              f"{n_samples} x {n_peaks:,} peaks, {n_regions:,} x {n_act} activity, {n_mitab:,} MITAB rows", flush=True)
        sizes = write_genome(d / "genome.fa", n_chroms, chrom_len, rng)
        tss = write_gtf(d / "genes.gtf", sizes, n_genes, rng)
        sheet = write_peaks(d, sizes, tss, n_samples, n_peaks, rng)
        write_activity(d, sizes, n_regions, n_act, rng)
        write_mitab_and_pairs(d, n_mitab, n_tfs, n_pairs, rng)
        # Index the genome once, untimed (a real genome's .fai usually exists).
        subprocess.run([sys.executable, "-c", f"import pyfaidx; pyfaidx.Faidx({str(d / 'genome.fa')!r})"], check=True)

        results = []
        py = [sys.executable, "-m"]
        timed(py + ["satori.cli.prepare_dhs", "--mode", "promoter", "--peaks", str(sheet), "--genome",
                    str(d / "genome.fa"), "--gtf", str(d / "genes.gtf"), "--outdir", str(d / "out-promoter"),
                    "--valid-chroms", "2", "--test-chroms", "3"], "prepare-dhs promoter", results, d)
        timed(py + ["satori.cli.prepare_dhs", "--mode", "genome", "--peaks", str(d / "merged.bed"), "--activity",
                    str(d / "act.tsv"), "--genome", str(d / "genome.fa"), "--outdir", str(d / "out-genome"),
                    "--valid-chroms", "2", "--test-chroms", "4"], "prepare-dhs genome", results, d)
        timed(py + ["satori.cli.hippie_lookup", "--interactions", str(d / "tf.tsv"), "--ppi", str(d / "hippie.txt"),
                    "--outdir", str(d / "out-ppi")], "hippie-lookup", results, d)
    print("\n| step | wall (s) | peak RSS (GiB) |\n| --- | --- | --- |")
    for label, wall, rss in results:
        print(f"| {label} | {wall:.1f} | {rss:.2f} |")


if __name__ == "__main__":
    main()
