"""satori-prepare-dhs on tiny genomes with known answers."""

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from satori import formats
from satori.cli.prepare_dhs import main
from satori.data.fasta import read_fasta
from satori.data.labels import read_labels


def write_genome(path, seqs):
    with open(path, "w") as fh:
        for name, seq in seqs.items():
            fh.write(f">{name} test\n")
            for i in range(0, len(seq), 60):
                fh.write(seq[i:i + 60] + "\n")
    return path


def random_seq(rng, n):
    return "".join(rng.choice(list("ACGT"), n))


def gtf_line(chrom, feature, start0, end, strand, gene):
    tid = f"T_{gene}"
    return (f'{chrom}\tt\t{feature}\t{start0 + 1}\t{end}\t.\t{strand}\t.\tgene_id "{gene}"; gene_name "{gene}"; '
            f'transcript_id "{tid}";\n')


@pytest.fixture()
def promoter_case(tmp_path):
    """Genome names 1/2/15/17 (Ensembl), peaks and GTF with chr prefixes (reconciled)."""
    rng = np.random.default_rng(0)
    seqs = {"1": random_seq(rng, 20000), "2": random_seq(rng, 20000), "15": random_seq(rng, 10000),
            "17": random_seq(rng, 10000)}
    s2 = list(seqs["2"])
    s2[5000:6000] = "N" * 1000
    seqs["2"] = "".join(s2).lower()  # soft-masked: output must be upper case
    write_genome(tmp_path / "genome.fa", seqs)
    gtf = "".join([
        gtf_line("chr1", "transcript", 5000, 7000, "+", "PLUS"),     # TSS 5000, promoter [4000, 5001)
        gtf_line("chr1", "transcript", 10000, 12000, "-", "MINUS"),  # TSS 11999, promoter [11999, 13000)
        gtf_line("chr17", "transcript", 3000, 4000, "+", "VALIDG"),  # promoter [2000, 3001)
        gtf_line("chr15", "transcript", 2000, 5000, "-", "TESTG"),   # TSS 4999, promoter [4999, 6000)
        gtf_line("chr2", "transcript", 100, 1000, "+", "EDGE"),      # promoter [0, 101)
        gtf_line("chr2", "transcript", 6000, 7000, "+", "NBLOCK"),   # promoter [5000, 6001)
        gtf_line("chrUn", "transcript", 10, 100, "+", "ELSEWHERE"),  # not in the genome: ignored
    ])
    (tmp_path / "genes.gtf").write_text(gtf)
    a = ["chr1\t4200\t4500", "chr1\t5200\t5500", "chr1\t12200\t12500", "chr15\t5000\t5300", "chr2\t0\t150"]
    b = ["chr1\t4250\t4650", "chr1\t9500\t9800", "chr17\t2100\t2300", "chr2\t5400\t5600"]
    (tmp_path / "peaks").mkdir()
    (tmp_path / "peaks" / "A.bed").write_text("\n".join(a) + "\n")
    with gzip.open(tmp_path / "peaks" / "B.bed.gz", "wt") as fh:
        fh.write("\n".join(b) + "\n")
    (tmp_path / "sheet.csv").write_text("sample,bed\nA,peaks/A.bed\nB,peaks/B.bed.gz\n")
    return tmp_path, {k: v.upper() for k, v in seqs.items()}


def run(tmp, *args):
    return main([*map(str, args), "--outdir", str(tmp / "out")])


def test_promoter_mode_known_answer(promoter_case, capsys):
    tmp, seqs = promoter_case
    assert run(tmp, "--peaks", tmp / "sheet.csv", "--genome", tmp / "genome.fa", "--gtf", tmp / "genes.gtf") == 0
    labels = read_labels(tmp / "out" / formats.LABELS_TSV)
    assert list(labels["id"]) == ["1:4125-4725", "1:12050-12650", "15:4850-5450", "17:1900-2500"]
    assert list(labels["split"]) == ["train", "train", "test", "valid"]
    assert labels[["A", "B"]].values.tolist() == [[1, 1], [1, 0], [1, 0], [0, 1]]  # union after the merge
    ids, got = read_fasta(tmp / "out" / formats.SEQUENCES_FA)
    assert ids == list(labels["id"])
    for rid, seq in zip(ids, got):
        chrom, rest = rid.split(":")
        start, end = map(int, rest.split("-"))
        assert seq == seqs[chrom][start:end] and len(seq) == 600
    regions = pd.read_csv(tmp / "out" / formats.REGIONS_BED, sep="\t")
    assert list(regions.columns) == ["#chrom"] + formats.REGIONS_COLUMNS[1:]
    assert list(regions["origin"]) == ["PLUS", "MINUS", "TESTG", "VALIDG"]
    assert list(regions["tss"]) == ["1:5000:+", "1:11999:-", "15:4999:-", "17:3000:+"]
    assert list(regions["n_peaks"]) == [2, 1, 1, 1]
    summary = json.loads((tmp / "out" / formats.SUMMARY_JSON).read_text())
    assert summary["dropped"]["outside_promoter"] == 2  # downstream of both TSSs
    assert summary["dropped"]["off_chrom_end"] == 1
    assert summary["dropped"]["too_many_n"] == 1
    assert summary["dropped"]["merged_into_others"] == 1
    assert summary["regions_per_split"] == {"train": 2, "valid": 1, "test": 1}
    assert summary["positives_per_label"] == {"A": 3, "B": 2}
    params = json.loads((tmp / "out" / formats.PARAMS_JSON).read_text())
    assert params["mode"] == "promoter" and params["length"] == 600
    assert "too_many_n 1" in capsys.readouterr().err


def test_downstream_extends_the_promoter(promoter_case):
    tmp, _ = promoter_case
    run(tmp, "--peaks", tmp / "sheet.csv", "--genome", tmp / "genome.fa", "--gtf", tmp / "genes.gtf",
        "--downstream", "300")
    summary = json.loads((tmp / "out" / formats.SUMMARY_JSON).read_text())
    assert summary["dropped"]["outside_promoter"] == 1  # chr1:5200-5500 now overlaps PLUS's [4000, 5301)


def test_genome_mode_keeps_all_peaks_and_tss_bed(promoter_case):
    tmp, _ = promoter_case
    assert run(tmp, "--mode", "genome", "--peaks", tmp / "sheet.csv", "--genome", tmp / "genome.fa") == 0
    summary = json.loads((tmp / "out" / formats.SUMMARY_JSON).read_text())
    assert summary["regions"] == 6 and "outside_promoter" not in summary["dropped"]
    (tmp / "tss.bed").write_text("chr1\t5000\t5001\tPLUS\t0\t+\n")
    assert run(tmp, "--peaks", tmp / "sheet.csv", "--genome", tmp / "genome.fa", "--tss", tmp / "tss.bed") == 0
    labels = read_labels(tmp / "out" / formats.LABELS_TSV)
    assert list(labels["id"]) == ["1:4125-4725"]


def test_activity_table_input(promoter_case):
    tmp, _ = promoter_case
    (tmp / "merged.bed").write_text("chr1\t4200\t4650\tr1\nchr1\t12200\t12500\tr2\n")
    (tmp / "act.tsv").write_text("\tA\tB\tC\nr1\t1\t0\t1\nr2\t0\t0\t1\n")
    assert run(tmp, "--peaks", tmp / "merged.bed", "--activity", tmp / "act.tsv", "--genome", tmp / "genome.fa",
               "--gtf", tmp / "genes.gtf") == 0
    labels = read_labels(tmp / "out" / formats.LABELS_TSV)
    assert labels[["A", "B", "C"]].values.tolist() == [[1, 0, 1], [0, 0, 1]]


def test_same_seed_same_bytes(promoter_case):
    tmp, _ = promoter_case
    args = ["--peaks", tmp / "sheet.csv", "--genome", tmp / "genome.fa", "--gtf", tmp / "genes.gtf"]
    main([*map(str, args), "--outdir", str(tmp / "o1")])
    main([*map(str, args), "--outdir", str(tmp / "o2")])
    for name in (formats.SEQUENCES_FA, formats.LABELS_TSV, formats.REGIONS_BED):
        assert (tmp / "o1" / name).read_bytes() == (tmp / "o2" / name).read_bytes()


def test_readonly_genome_dir_keeps_index_in_cache(promoter_case, monkeypatch, tmp_path_factory):
    tmp, _ = promoter_case
    from satori.data import genome as genome_mod

    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("SATORI_CACHE_DIR", str(cache))
    # Root may write anywhere, so simulate the read-only directory.
    monkeypatch.setattr(genome_mod, "_writable_dir", lambda path: False)
    g = genome_mod.Genome(tmp / "genome.fa")
    assert g.fetch("1", 0, 5) == g.fetch("1", 0, 5).upper()
    g.close()
    assert not (tmp / "genome.fa.fai").exists()
    assert list((cache / "faidx").glob("*.fai"))


def test_bgzip_genome(tmp_path):
    bgzf = pytest.importorskip("Bio.bgzf")  # biopython (a pyjaspar dependency) reads bgzip

    from satori.data.genome import Genome

    rng = np.random.default_rng(3)
    seq = random_seq(rng, 5000)
    with bgzf.BgzfWriter(str(tmp_path / "g.fa.gz"), "wb") as fh:
        fh.write(f">c1\n{seq}\n".encode())
    with Genome(tmp_path / "g.fa.gz") as g:
        assert g.sizes == {"c1": 5000}
        assert g.fetch("c1", 1234, 1834) == seq[1234:1834]
    with gzip.open(tmp_path / "plain.fa.gz", "wt") as fh:
        fh.write(f">c1\n{seq}\n")
    from satori.errors import InputError

    with pytest.raises(InputError, match="bgzip"):
        Genome(tmp_path / "plain.fa.gz")


# --- enhancer mode -------------------------------------------------------------------


@pytest.fixture()
def enhancer_case(tmp_path):
    rng = np.random.default_rng(5)
    seqs = {"chr1": random_seq(rng, 80000), "chr2": random_seq(rng, 80000)}
    write_genome(tmp_path / "genome.fa", seqs)
    lines = []
    for chrom in seqs:
        for g in range(12):
            start = 2000 + g * 6000
            strand = "+" if g % 2 else "-"
            name = f"{chrom}_{g}"
            lines.append(gtf_line(chrom, "transcript", start, start + 3000, strand, name))
            for e in range(3):
                lines.append(gtf_line(chrom, "exon", start + e * 1200, start + e * 1200 + 200, strand, name))
    (tmp_path / "genes.gtf").write_text("".join(lines))
    enh = [("chr1", 5600, 5900), ("chr1", 30500, 30800), ("chr2", 11000, 11300), ("chr2", 41700, 42000),
           ("chr2", 60100, 60400)]
    (tmp_path / "enh.bed").write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in enh))
    return tmp_path, enh


def test_enhancer_negatives_follow_the_mix_and_avoid_positives(enhancer_case):
    tmp, enh = enhancer_case
    assert run(tmp, "--mode", "enhancer", "--peaks", tmp / "enh.bed", "--genome", tmp / "genome.fa",
               "--gtf", tmp / "genes.gtf", "--neg-ratio", "4", "--neg-mix", "exon=0.5,promoter=0.25,intron=0.25",
               "--seed", "3") == 0
    regions = pd.read_csv(tmp / "out" / formats.REGIONS_BED, sep="\t").rename(columns={"#chrom": "chrom"})
    labels = read_labels(tmp / "out" / formats.LABELS_TSV)
    assert list(labels.columns) == ["id", "split", "enhancer"]
    assert list(labels["id"]) == list(regions["id"])
    pos = regions[regions["origin"] == "enhancer"]
    neg = regions[regions["origin"] != "enhancer"]
    assert len(pos) == 5 and labels["enhancer"].sum() == 5
    assert neg["origin"].value_counts().to_dict() == {"exon": 10, "promoter": 5, "intron": 5}
    assert not regions["id"].duplicated().any()
    blocked = pd.concat([pd.DataFrame(enh, columns=["chrom", "start", "end"]), pos[["chrom", "start", "end"]]])
    for _, n in neg.iterrows():
        same = blocked[blocked["chrom"] == n["chrom"]]
        assert ((same["start"] >= n["end"]) | (same["end"] <= n["start"])).all(), n["id"]
    # An exon negative is centred on an exon of the annotation.
    gtf = pd.read_csv(tmp / "genes.gtf", sep="\t", header=None)
    exons = gtf[gtf[2] == "exon"]
    for _, n in neg[neg["origin"] == "exon"].iterrows():
        mid = (n["start"] + n["end"]) // 2
        assert ((exons[0] == n["chrom"]) & (exons[3] - 1 <= mid) & (exons[4] > mid)).any()
    split = labels["split"].value_counts().to_dict()
    assert split == {"train": 21, "valid": 2, "test": 2}  # random 80/10/10 (the enhancer default)


def test_enhancer_mode_is_seeded(enhancer_case):
    tmp, _ = enhancer_case
    base = ["--mode", "enhancer", "--peaks", tmp / "enh.bed", "--genome", tmp / "genome.fa", "--gtf", tmp / "genes.gtf"]
    main([*map(str, base), "--outdir", str(tmp / "a"), "--seed", "1"])
    main([*map(str, base), "--outdir", str(tmp / "b"), "--seed", "1"])
    main([*map(str, base), "--outdir", str(tmp / "c"), "--seed", "2"])
    a, b, c = ((tmp / d / formats.LABELS_TSV).read_text() for d in "abc")
    assert a == b and a != c


# --- bad input ---------------------------------------------------------------------


def _fails(capsys, tmp, args, message):
    status = main([*map(str, args), "--outdir", str(tmp / "bad")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    errors = [line for line in err if "error:" in line]
    assert errors == [err[-1]] and err[-1].startswith("satori-prepare-dhs: error:"), err
    assert message in err[-1], err[-1]
    assert not (tmp / "bad").exists()


def test_bad_input(promoter_case, capsys):
    tmp, _ = promoter_case
    g, gtf = tmp / "genome.fa", tmp / "genes.gtf"
    (tmp / "short.bed").write_text("chr1\t10\n")
    _fails(capsys, tmp, ["--peaks", tmp / "short.bed", "--genome", g, "--gtf", gtf], "at least 3")
    (tmp / "rev.bed").write_text("chr1\t4300\t4200\n")
    _fails(capsys, tmp, ["--peaks", tmp / "rev.bed", "--genome", g, "--gtf", gtf], "start > end")
    (tmp / "absent.bed").write_text("chr1\t4200\t4500\nchrZ\t10\t100\n")
    _fails(capsys, tmp, ["--peaks", tmp / "absent.bed", "--genome", g, "--gtf", gtf], "absent from the genome (chrZ)")
    assert main(["--peaks", str(tmp / "absent.bed"), "--genome", str(g), "--gtf", str(gtf), "--drop-unknown-chroms",
                 "--outdir", str(tmp / "ok")]) == 0
    capsys.readouterr()
    (tmp / "other.bed").write_text("scaffold_1\t10\t100\n")
    _fails(capsys, tmp, ["--peaks", tmp / "other.bed", "--genome", g, "--gtf", gtf], "no chromosome names in common")
    (tmp / "exons.gtf").write_text('chr1\tt\texon\t1\t100\t.\t+\t.\tgene_id "G";\n')
    _fails(capsys, tmp, ["--peaks", tmp / "sheet.csv", "--genome", g, "--gtf", tmp / "exons.gtf"],
           "no gene or transcript lines")
    (tmp / "far.bed").write_text("chr1\t15000\t15300\n")
    _fails(capsys, tmp, ["--peaks", tmp / "far.bed", "--genome", g, "--gtf", gtf], "promoter filter")
    (tmp / "edge.bed").write_text("chr2\t0\t150\n")
    _fails(capsys, tmp, ["--peaks", tmp / "edge.bed", "--genome", g, "--gtf", gtf], "off-chromosome-end filter")
    (tmp / "n.bed").write_text("chr2\t5400\t5600\n")
    _fails(capsys, tmp, ["--peaks", tmp / "n.bed", "--genome", g, "--gtf", gtf], "N filter")
    (tmp / "past.bed").write_text("chr17\t9900\t10100\n")
    _fails(capsys, tmp, ["--peaks", tmp / "past.bed", "--genome", g, "--gtf", gtf], "right assembly")
    _fails(capsys, tmp, ["--peaks", tmp / "sheet.csv", "--genome", g], "needs an annotation")
    _fails(capsys, tmp, ["--peaks", tmp / "sheet.csv", "--genome", tmp / "nope.fa", "--gtf", gtf], "file not found")
    _fails(capsys, tmp, ["--peaks", tmp / "sheet.csv", "--genome", g, "--gtf", gtf, "--max-n", "2"], "--max-n")
    (tmp / "sheet2.csv").write_text("name,path\nA,peaks/A.bed\n")
    _fails(capsys, tmp, ["--peaks", tmp / "sheet2.csv", "--genome", g, "--gtf", gtf], "sample,bed")
    _fails(capsys, tmp, ["--mode", "enhancer", "--peaks", tmp / "far.bed", "--genome", g, "--gtf", gtf,
                         "--neg-mix", "exon=1,cds=1"], "unknown category 'cds'")


def test_windows_sharing_a_midpoint_collapse_with_label_union(promoter_case):
    tmp, _ = promoter_case
    # Share 100 bp (<= 200: not merged) but have the same midpoint 4450: one window, both labels.
    (tmp / "A2.bed").write_text("chr1\t4400\t4500\n")
    (tmp / "B2.bed").write_text("chr1\t4300\t4600\n")
    (tmp / "sheet2.csv").write_text("sample,bed\nA,A2.bed\nB,B2.bed\n")
    assert run(tmp, "--peaks", tmp / "sheet2.csv", "--genome", tmp / "genome.fa", "--gtf", tmp / "genes.gtf") == 0
    labels = read_labels(tmp / "out" / formats.LABELS_TSV)
    assert list(labels["id"]) == ["1:4150-4750"] and labels[["A", "B"]].values.tolist() == [[1, 1]]
    summary = json.loads((tmp / "out" / formats.SUMMARY_JSON).read_text())
    assert summary["dropped"]["duplicate_window"] == 1 and summary["dropped"]["merged_into_others"] == 0


def test_stale_index_is_rebuilt(tmp_path):
    import os

    from satori.data.genome import Genome

    write_genome(tmp_path / "g.fa", {"c1": "ACGT" * 50})
    with Genome(tmp_path / "g.fa") as g:
        assert g.sizes == {"c1": 200}
    write_genome(tmp_path / "g.fa", {"c1": "TTTT" * 10, "c2": "GG" * 30})
    old = os.stat(tmp_path / "g.fa.fai").st_mtime
    os.utime(tmp_path / "g.fa.fai", (old - 100, old - 100))
    with Genome(tmp_path / "g.fa") as g:
        assert g.sizes == {"c1": 40, "c2": 60}
        assert g.fetch("c2", 0, 4) == "GGGG"
