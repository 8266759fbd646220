import gzip

import numpy as np
import pandas as pd
import pytest

from satori.data.annotation import (
    annotation_categories, promoters, read_annotation, read_tss_bed, tss_from_annotation,
)
from satori.errors import InputError

GTF = """#!genome-build test
chr1\tt\tgene\t5001\t7000\t.\t+\t.\tgene_id "GP"; gene_name "PLUS";
chr1\tt\ttranscript\t5001\t7000\t.\t+\t.\tgene_id "GP"; gene_name "PLUS"; transcript_id "TP";
chr1\tt\texon\t5001\t5300\t.\t+\t.\tgene_id "GP"; gene_name "PLUS"; transcript_id "TP";
chr1\tt\texon\t6701\t7000\t.\t+\t.\tgene_id "GP"; gene_name "PLUS"; transcript_id "TP";
chr1\tt\tfive_prime_utr\t5001\t5100\t.\t+\t.\tgene_id "GP"; gene_name "PLUS"; transcript_id "TP";
chr1\tt\tgene\t10001\t12000\t.\t-\t.\tgene_id "GM"; gene_name "MINUS";
chr1\tt\ttranscript\t10001\t12000\t.\t-\t.\tgene_id "GM"; gene_name "MINUS"; transcript_id "TM";
chr1\tt\texon\t10001\t10500\t.\t-\t.\tgene_id "GM"; gene_name "MINUS"; transcript_id "TM";
"""


def test_gtf_tss_on_both_strands(tmp_path):
    p = tmp_path / "a.gtf.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(GTF)
    ann = read_annotation(p)
    assert ann.loc[0, "start"] == 5000 and ann.loc[0, "end"] == 7000  # 0-based half-open
    tss = tss_from_annotation(ann).sort_values("pos").reset_index(drop=True)
    assert list(tss["pos"]) == [5000, 11999]
    assert list(tss["strand"]) == ["+", "-"]
    assert list(tss["gene"]) == ["PLUS", "MINUS"]


def test_promoters_are_strand_aware():
    tss = pd.DataFrame({"chrom": ["c", "c", "c"], "pos": [5000, 11999, 50], "strand": ["+", "-", "+"], "gene": list("abc")})
    prom = promoters(tss, upstream=1000, downstream=0, sizes={"c": 12500})
    assert list(zip(prom["start"], prom["end"])) == [(4000, 5001), (11999, 12500), (0, 51)]
    prom = promoters(tss, upstream=100, downstream=20)
    assert list(zip(prom["start"], prom["end"])) == [(4900, 5021), (11979, 12100), (0, 71)]


def test_gff3(tmp_path):
    p = tmp_path / "a.gff3"
    p.write_text(
        "##gff-version 3\n"
        "c1\tt\tgene\t101\t500\t.\t-\t.\tID=gene:G1;Name=ABC\n"
        "c1\tt\tmRNA\t101\t500\t.\t-\t.\tID=transcript:T1;Parent=gene:G1;Name=ABC-201\n"
        "c1\tt\texon\t101\t200\t.\t-\t.\tParent=transcript:T1\n"
    )
    tss = tss_from_annotation(read_annotation(p))
    assert list(tss["pos"]) == [499] and list(tss["strand"]) == ["-"]


def test_gtf_without_gene_or_transcript_lines(tmp_path):
    p = tmp_path / "a.gtf"
    p.write_text('chr1\tt\texon\t1\t100\t.\t+\t.\tgene_id "G";\n')
    with pytest.raises(InputError, match="no gene or transcript lines"):
        tss_from_annotation(read_annotation(p), p)


@pytest.mark.parametrize("text,msg", [
    ("chr1\tt\tgene\n", "9 tab-separated"),
    ('chr1\tt\tgene\tx\t10\t.\t+\t.\tgene_id "G";\n', "bad coordinates"),
])
def test_bad_gtf(tmp_path, text, msg):
    p = tmp_path / "a.gtf"
    p.write_text(text)
    with pytest.raises(InputError, match=msg):
        read_annotation(p)


def test_tss_bed(tmp_path):
    p = tmp_path / "tss.bed"
    p.write_text("chr1\t100\t101\tA\t0\t+\nchr1\t500\t501\tB\t0\t-\n")
    tss = read_tss_bed(p)
    assert list(tss["pos"]) == [100, 500] and list(tss["gene"]) == ["A", "B"]
    p.write_text("chr1\t100\t101\n")
    with pytest.raises(InputError, match="6 tab-separated"):
        read_tss_bed(p)


def test_categories(tmp_path):
    p = tmp_path / "a.gtf"
    p.write_text(GTF)
    ann = read_annotation(p)
    tss = tss_from_annotation(ann)
    cats = annotation_categories(ann, tss, {"chr1": 20000}, upstream=1000, downstream=0, flank=500)
    by = {c: sorted(zip(g["start"], g["end"])) for c, g in cats.groupby("category")}
    assert by["exon"] == [(5000, 5300), (6700, 7000), (10000, 10500)]
    assert by["intron"] == [(5300, 6700), (10500, 12000)]
    assert by["utr"] == [(5000, 5100)]
    assert by["promoter"] == [(4000, 5001), (11999, 13000)]
    assert by["downstream"] == [(7000, 7500), (9500, 10000)]
    # distal = genome minus transcripts, promoters and downstream regions
    assert by["distal"] == [(0, 4000), (7500, 9500), (13000, 20000)]
