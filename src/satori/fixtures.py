"""A tiny real-data fixture: genome, annotation, peaks of a few samples, a PSI-MITAB file.

For the real-data path (``satori-prepare-dhs`` -> train -> filter-motifs -> interpret ->
``satori-hippie-lookup``) without downloading anything. Everything is synthetic and
seeded; the same seed gives the same bytes.

    python -m satori.fixtures --outdir fixture [--seed 0] [--chrom-length 200000]

writes into ``outdir``:

- ``genome.fa`` — chromosomes chr1, chr2 (train under the default split), chr17 (valid),
  chr22 (test); background at human base frequencies with N blocks (chr1 starts with one);
- ``genes.gtf`` — genes with one transcript each (gene, transcript, exon, UTR lines), on
  both strands;
- ``peaks/<sample>.bed`` (narrowPeak-like) and ``samplesheet.csv`` (``sample,bed``) —
  each sample has peaks at a random subset of promoters and at distal sites, jittered
  between samples so that peaks merge; where a sample has a peak, the genome carries
  that sample's TF pair (two JASPAR motifs 8-15 bp apart) near the site's centre;
- ``enhancers.bed`` — the distal sites (enhancer-mode positives);
- ``hippie.mitab.txt`` — HIPPIE-format PSI-MITAB (header, 18 columns): the implanted TF
  pairs with score 0.82 plus random decoy interactions;
- ``pairs.tsv`` — the implanted pairs (tf1, tf2, motif1, motif2), the ground truth;
- ``README.txt`` — the commands below.

Then, for example::

    satori-prepare-dhs --mode promoter --peaks fixture/samplesheet.csv \\
        --genome fixture/genome.fa --gtf fixture/genes.gtf --outdir prep
    satori-prepare-dhs --mode enhancer --peaks fixture/enhancers.bed \\
        --genome fixture/genome.fa --gtf fixture/genes.gtf --outdir prep-enh
    satori-hippie-lookup --interactions tf_interactions.tsv --ppi fixture/hippie.mitab.txt --outdir ppi
"""

import argparse
import functools
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from satori import formats
from satori.atomic import write_text

PathLike = Union[str, os.PathLike]

# One TF pair per sample; all four are known physical interactions.
DEFAULT_PAIRS = [("SP1", "NFYA"), ("CEBPB", "ATF4"), ("SOX2", "POU5F1"), ("MAX", "MYC")]
CHROMS = ("chr1", "chr2", "chr17", "chr22")
BACKGROUND = np.array([0.295, 0.205, 0.205, 0.295])
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


@functools.lru_cache(maxsize=4)
def _jaspar_pwms(names: Tuple[str, ...]) -> Dict[str, Tuple[str, np.ndarray]]:
    """JASPAR PWMs (id, (w, 4)) for the ``names`` it has (cached: the query takes seconds)."""
    found: Dict[str, Tuple[str, np.ndarray]] = {}
    try:
        from satori.motifs.jaspar import load_jaspar

        for m in load_jaspar():
            if m.name.upper() in names and m.name.upper() not in found:
                found[m.name.upper()] = (m.id, m.pwm)
    except Exception:  # pragma: no cover - pyjaspar is a dependency; stay usable without it
        pass
    return found


def _motif_pwms(names: Sequence[str], rng: np.random.Generator) -> Dict[str, Tuple[str, np.ndarray]]:
    """JASPAR PWMs (id, (w, 4)) for ``names``; a random PWM where JASPAR lacks a name."""
    found = dict(_jaspar_pwms(tuple(sorted(names))))
    for n in names:
        if n not in found:
            found[n] = (f"RANDOM.{n}", rng.dirichlet(np.full(4, 0.3), size=10))
    return found


def _sample_instance(pwm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One sequence (uint8 ASCII, shape (w,)) drawn from a PWM (w, 4), randomly oriented."""
    u = rng.random(len(pwm))
    idx = (np.cumsum(pwm, axis=1) < u[:, None]).sum(axis=1).clip(0, 3)
    seq = _BASES[idx]
    if rng.random() < 0.5:
        seq = np.frombuffer(bytes(seq[::-1]).translate(bytes.maketrans(b"ACGT", b"TGCA")), dtype=np.uint8)
    return seq


def make_fixture(
    outdir: PathLike,
    seed: int = 0,
    chrom_length: int = 200_000,
    gene_spacing: int = 6_000,
    n_distal: int = 12,
    peak_prob: float = 0.35,
    pairs: Sequence[Tuple[str, str]] = DEFAULT_PAIRS,
    n_decoys: int = 200,
) -> Dict[str, Path]:
    """Write the fixture into ``outdir`` (see the module docstring); returns its file paths.

    Parameters
    ----------
    chrom_length: int — length of each of the 4 chromosomes (bp)
    gene_spacing: int — mean distance between gene starts (bp)
    n_distal: int — distal (enhancer) sites per chromosome
    peak_prob: float — probability that a sample has a peak at a given promoter/site
    pairs: one (tf1, tf2) per sample; the number of pairs is the number of samples
    n_decoys: random decoy interactions in the MITAB file
    """
    rng = np.random.default_rng(seed)
    out = Path(outdir)
    (out / "peaks").mkdir(parents=True, exist_ok=True)
    tf_names = sorted({t.upper() for p in pairs for t in p})
    pwms = _motif_pwms(tf_names, rng)
    n_samples = len(pairs)
    samples = [f"sample{i + 1}" for i in range(n_samples)]

    genome: Dict[str, np.ndarray] = {}
    gtf_rows: List[str] = []
    sites: List[Tuple[str, int, str]] = []  # (chrom, centre, kind)
    for ci, chrom in enumerate(CHROMS):
        seq = _BASES[rng.choice(4, size=chrom_length, p=BACKGROUND)].copy()
        if ci == 0:
            seq[:2000] = ord("N")  # a telomere-like N block
        if ci == 1:
            seq[chrom_length // 2: chrom_length // 2 + 1000] = ord("N")
        genome[chrom] = seq
        # Genes: start positions spaced out, bodies 1.5-4 kb, both strands, 3 exons each.
        pos = 5_000
        gi = 0
        while pos + 6_000 < chrom_length:
            body = int(rng.integers(1_500, 4_000))
            strand = "+" if rng.random() < 0.5 else "-"
            g_start, g_end = pos, pos + body  # 0-based half-open
            name = f"G{chrom[3:]}_{gi + 1}"
            gid = f"ENSG{ci + 1:02d}{gi + 1:05d}"
            tid = gid.replace("ENSG", "ENST")
            attrs = f'gene_id "{gid}"; gene_name "{name}";'
            tattrs = f'{attrs} transcript_id "{tid}";'
            gtf_rows.append(f"{chrom}\tfixture\tgene\t{g_start + 1}\t{g_end}\t.\t{strand}\t.\t{attrs}")
            gtf_rows.append(f"{chrom}\tfixture\ttranscript\t{g_start + 1}\t{g_end}\t.\t{strand}\t.\t{tattrs}")
            e1 = (g_start, g_start + 300)
            e2 = (g_start + body // 2 - 100, g_start + body // 2 + 100)
            e3 = (g_end - 400, g_end)
            for n, (s, e) in enumerate((e1, e2, e3), start=1):
                gtf_rows.append(f"{chrom}\tfixture\texon\t{s + 1}\t{e}\t.\t{strand}\t.\t{tattrs} exon_number \"{n}\";")
            five, three = (e1, e3) if strand == "+" else (e3, e1)
            u5 = (five[0], five[0] + 100) if strand == "+" else (five[1] - 100, five[1])
            u3 = (three[1] - 150, three[1]) if strand == "+" else (three[0], three[0] + 150)
            gtf_rows.append(f"{chrom}\tfixture\tfive_prime_utr\t{u5[0] + 1}\t{u5[1]}\t.\t{strand}\t.\t{tattrs}")
            gtf_rows.append(f"{chrom}\tfixture\tthree_prime_utr\t{u3[0] + 1}\t{u3[1]}\t.\t{strand}\t.\t{tattrs}")
            tss = g_start if strand == "+" else g_end - 1
            # Promoter site centre: 150-500 bp upstream of the TSS.
            up = int(rng.integers(150, 500))
            centre = tss - up if strand == "+" else tss + up
            if ci != 0 or centre > 3_000:
                sites.append((chrom, centre, "promoter"))
            pos = g_end + int(rng.integers(gene_spacing // 2, gene_spacing + gene_spacing // 2))
            gi += 1
    # Distal sites: far from genes is not guaranteed; the enhancer mode handles overlaps.
    for chrom in CHROMS:
        for _ in range(n_distal):
            sites.append((chrom, int(rng.integers(5_000, chrom_length - 5_000)), "distal"))

    # Peaks per sample; implant the sample's pair at the site where the sample is active.
    peak_rows: Dict[str, List[Tuple[str, int, int]]] = {s: [] for s in samples}
    enhancers = []
    for chrom, centre, kind in sites:
        active = np.flatnonzero(rng.random(n_samples) < peak_prob)
        if kind == "distal" and len(active) == 0:
            active = np.array([int(rng.integers(n_samples))])
        for s in active:
            tf1, tf2 = pairs[s]
            a = _sample_instance(pwms[tf1.upper()][1], rng)
            b = _sample_instance(pwms[tf2.upper()][1], rng)
            gap = int(rng.integers(8, 16))
            at = centre - 250 + 125 * int(s)
            inst = np.concatenate([a, np.full(gap, 0, dtype=np.uint8), b])
            fill = inst == 0
            inst[fill] = genome[chrom][at: at + len(inst)][fill]
            genome[chrom][at: at + len(inst)] = inst
            jitter = int(rng.integers(-60, 61))
            width = int(rng.integers(250, 450))
            start = max(0, centre + jitter - width // 2)
            peak_rows[samples[s]].append((chrom, start, start + width))
        if kind == "distal":
            enhancers.append((chrom, centre - 150, centre + 150))

    paths = {}
    lines = []
    for chrom in CHROMS:
        lines.append(f">{chrom}")
        seq = genome[chrom].tobytes().decode("ascii")
        lines.extend(seq[i:i + 60] for i in range(0, len(seq), 60))
    paths["genome"] = out / "genome.fa"
    write_text(paths["genome"], "\n".join(lines) + "\n")
    paths["gtf"] = out / "genes.gtf"
    write_text(paths["gtf"], "#!fixture annotation\n" + "\n".join(gtf_rows) + "\n")
    sheet = ["sample,bed"]
    for s in samples:
        rows = sorted(peak_rows[s], key=lambda r: (CHROMS.index(r[0]), r[1]))
        text = "".join(
            f"{c}\t{a}\t{b}\t{s}_peak{i + 1}\t{500}\t.\t{10.0:.1f}\t{-1}\t{-1}\t{(b - a) // 2}\n"
            for i, (c, a, b) in enumerate(rows)
        )
        write_text(out / "peaks" / f"{s}.bed", text)
        sheet.append(f"{s},peaks/{s}.bed")
    paths["samplesheet"] = out / "samplesheet.csv"
    write_text(paths["samplesheet"], "\n".join(sheet) + "\n")
    paths["enhancers"] = out / "enhancers.bed"
    write_text(paths["enhancers"], "".join(f"{c}\t{a}\t{b}\tenh{i + 1}\n" for i, (c, a, b) in enumerate(
        sorted(enhancers, key=lambda r: (CHROMS.index(r[0]), r[1])))))
    paths["mitab"] = out / "hippie.mitab.txt"
    write_text(paths["mitab"], format_mitab(pairs, n_decoys, rng))
    paths["pairs"] = out / formats.PAIRS_TSV
    truth = pd.DataFrame([(a, b, pwms[a.upper()][0], pwms[b.upper()][0]) for a, b in pairs],
                         columns=formats.PAIRS_COLUMNS)
    write_text(paths["pairs"], truth.to_csv(sep="\t", index=False, lineterminator="\n"))
    paths["readme"] = out / "README.txt"
    write_text(paths["readme"], __doc__.split("Then, for example::", 1)[1].replace("\\\\", "\\") + "\n")
    return paths


def mitab_row(a: str, b: str, score: float, i: int) -> str:
    """One HIPPIE-format PSI-MITAB line (18 columns) for symbols ``a`` and ``b``."""
    return "\t".join([
        f"uniprotkb:{a}_HUMAN", f"uniprotkb:{b}_HUMAN", f"entrez gene:{1000 + 2 * i}",
        f"entrez gene:{1001 + 2 * i}", f"uniprotkb:{a}", f"uniprotkb:{b}", "MI:0018(two hybrid)", "-",
        f"pubmed:{20000000 + i}", "taxid:9606(Homo sapiens)", "taxid:9606(Homo sapiens)", "-",
        "biogrid|intact", "-", f"{score:.2f}", "-", a, b,
    ])


def format_mitab(pairs: Sequence[Tuple[str, str]], n_decoys: int, rng: np.random.Generator) -> str:
    """A HIPPIE-format MITAB text: the ``pairs`` (score 0.82) and ``n_decoys`` random pairs."""
    header = "\t".join(formats.MITAB_COLUMNS + formats.HIPPIE_EXTRA_COLUMNS)
    rows = [mitab_row(a.upper(), b.upper(), 0.82, i) for i, (a, b) in enumerate(pairs)]
    decoy_genes = [f"DECOY{i}" for i in range(max(10, n_decoys // 4))]
    for j in range(n_decoys):
        a, b = rng.choice(len(decoy_genes), size=2, replace=False)
        rows.append(mitab_row(decoy_genes[a], decoy_genes[b], float(rng.uniform(0.1, 0.99)), len(pairs) + j))
    return header + "\n" + "\n".join(rows) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m satori.fixtures", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--outdir", required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--chrom-length", type=int, default=200_000, help="bp per chromosome (default: 200000)")
    parser.add_argument("--peak-prob", type=float, default=0.35, help="P(sample has a peak at a site) (default: 0.35)")
    args = parser.parse_args(argv)
    if args.chrom_length < 20_000:
        parser.error("--chrom-length must be >= 20000")
    paths = make_fixture(args.outdir, seed=args.seed, chrom_length=args.chrom_length, peak_prob=args.peak_prob)
    for key, path in paths.items():
        print(f"{key}\t{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
