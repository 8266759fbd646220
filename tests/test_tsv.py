"""satori.tsv: the one reader of users' tables, with one wording for every caller."""

import importlib

import pytest

from satori.errors import InputError
from satori.tsv import format_tsv, read_maybe_gzip, read_tsv


def test_reads_text_and_checks(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("a\tb\n1\t\nx\t2\n")
    df = read_tsv(p, "test table", ["a"])
    assert df.to_dict("list") == {"a": ["1", "x"], "b": ["", "2"]}
    typed = read_tsv(p, "test table", as_text=False)
    assert typed["b"].isna().tolist() == [True, False] and typed["b"].iloc[1] == 2
    with pytest.raises(InputError, match=r"^--x .*t\.tsv: not a test table: missing column\(s\) c \(found: a, b\)$"):
        read_tsv(p, "test table", ["a", "c"], flag="--x")
    with pytest.raises(InputError, match=r"^--x .*nope\.tsv: file not found$"):
        read_tsv(tmp_path / "nope.tsv", "test table", flag="--x")
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(InputError, match=r"empty\.tsv: cannot parse as a test table \("):
        read_tsv(tmp_path / "empty.tsv", "test table")


def test_gzip_detected_by_content(tmp_path):
    import gzip

    (tmp_path / "x.txt").write_bytes(gzip.compress(b"hello"))
    assert read_maybe_gzip(tmp_path / "x.txt", "--gtf") == b"hello"
    with pytest.raises(InputError, match=r"^--gtf .*: file not found$"):
        read_maybe_gzip(tmp_path / "none", "--gtf")


def test_one_module():
    """The second reader (satori.tables) is gone; the writer lives beside the reader."""
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("satori.tables")
    import pandas as pd

    assert format_tsv(pd.DataFrame({"a": [1.5, float("nan")], "b": ["x", "y"]})) == "a\tb\n1.5\tx\n\ty\n"


def _callers():
    from satori.data.labels import read_labels
    from satori.evaluate import read_predictions, read_truth
    from satori.motifs.tomtom import read_filter_motifs
    from satori.ppi.lookup import read_interactions
    from satori.summarize import read_manifest

    return [
        (read_truth, "--truth", "truth pairs table", "tf2"),
        (read_predictions, "--interactions", "TF interaction table", "tf2, q"),
        (read_interactions, "--interactions", "TF interaction table", "tf2, q"),
        (read_filter_motifs, "--filter-motifs", "filter motif table", "filter, motif_id"),
        (read_manifest, "--manifest", "manifest", "evaluation"),
        (read_labels, "", "labels table", ""),
    ]


@pytest.mark.parametrize("i", range(6))
def test_every_caller_words_it_the_same(tmp_path, i):
    """A table lacking columns: the same sentence from every reader, naming flag, file, table."""
    func, flag, what, missing = _callers()[i]
    p = tmp_path / "bad.tsv"
    p.write_text("tf1\tid\nA\tB\n")
    if func.__name__ == "read_labels":  # it has an id column: drop it
        p.write_text("tf1\tsplit\nA\ttrain\n")
        missing = "id"
    prefix = f"{flag} {p}" if flag else str(p)
    with pytest.raises(InputError) as exc:
        func(p)
    assert str(exc.value).startswith(f"{prefix}: not a {what}: missing column(s) {missing}")
    with pytest.raises(InputError) as exc:
        func(tmp_path / "absent.tsv")
    assert str(exc.value) == (f"{flag} {tmp_path / 'absent.tsv'}" if flag else str(tmp_path / "absent.tsv")) + \
        ": file not found"
