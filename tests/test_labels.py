import pandas as pd
import pytest

from satori.data.labels import label_columns, read_labels, write_labels
from satori.errors import InputError


def test_round_trip(tmp_path):
    df = pd.DataFrame({"id": ["a", "b"], "split": ["train", "test"], "y1": [0, 1], "y2": [1, 1]})
    write_labels(tmp_path / "labels.tsv", df)
    got = read_labels(tmp_path / "labels.tsv")
    assert list(got.columns) == ["id", "split", "y1", "y2"]
    assert label_columns(got) == ["y1", "y2"]
    assert got["y1"].tolist() == [0, 1]


@pytest.mark.parametrize(
    "text, message",
    [
        ("id\tsplit\ty\na\ttrain\t2\n", "must hold 0/1"),
        ("id\tsplit\ty\na\tbogus\t1\n", "split must be one of"),
        ("name\tsplit\ty\na\ttrain\t1\n", r"not a labels table: missing column\(s\) id"),
        ("id\tsplit\ty\na\ttrain\t1\na\ttest\t0\n", "duplicate id"),
        ("id\tsplit\na\ttrain\n", "no label columns"),
        ("id\ty\na\t1\n", "no 'split' column"),
    ],
)
def test_errors(tmp_path, text, message):
    p = tmp_path / "labels.tsv"
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        read_labels(p)


def test_split_optional(tmp_path):
    p = tmp_path / "labels.tsv"
    p.write_text("id\ty\na\t1\n")
    assert "split" not in read_labels(p, require_split=False).columns
