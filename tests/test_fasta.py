import gzip

import pytest

from satori.data.fasta import read_fasta, write_fasta
from satori.errors import InputError


def test_round_trip_plain_and_gzip(tmp_path):
    ids = ["a", "b", "c"]
    seqs = ["ACGTN", "acgtn".upper(), "NNNNA"]
    for name in ("x.fa", "x.fa.gz"):
        write_fasta(tmp_path / name, ids, seqs, width=2)
        got_ids, got_seqs = read_fasta(tmp_path / name)
        assert got_ids == ids
        assert got_seqs == seqs


def test_gzip_is_deterministic(tmp_path):
    write_fasta(tmp_path / "a.fa.gz", ["x"], ["ACGT"])
    write_fasta(tmp_path / "b.fa.gz", ["x"], ["ACGT"])
    assert (tmp_path / "a.fa.gz").read_bytes() == (tmp_path / "b.fa.gz").read_bytes()


def test_lower_case_and_multiline(tmp_path):
    p = tmp_path / "in.fa"
    p.write_text(">s1 description here\nacg\nTn\n\n>s2\nGG\n")
    ids, seqs = read_fasta(p)
    assert ids == ["s1", "s2"]
    assert seqs == ["ACGTN", "GG"]


def test_gzip_detected_by_content(tmp_path):
    p = tmp_path / "noext"
    with gzip.open(p, "wt") as fh:
        fh.write(">a\nAC\n")
    assert read_fasta(p) == (["a"], ["AC"])


@pytest.mark.parametrize(
    "content, message",
    [
        (">a\nACGX\n", "other than A/C/G/T/N"),
        ("ACGT\n", "not a FASTA"),
        (">a\nAC\n>a\nGG\n", "duplicate"),
        ("", "no FASTA records"),
    ],
)
def test_errors_name_the_file(tmp_path, content, message):
    p = tmp_path / "bad.fa"
    p.write_text(content)
    with pytest.raises(InputError, match=message) as err:
        read_fasta(p)
    assert "bad.fa" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_fasta(tmp_path / "nope.fa")
