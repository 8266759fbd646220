import numpy as np
import pytest

from satori.errors import InputError
from satori.motifs.io import Motif, read_jaspar, read_motifs, read_pfm, write_meme

JASPAR = """>MA0004.1\tArnt
A  [ 4 19  0  0  0  0 ]
C  [16  0 20  0  0  0 ]
G  [ 0  1  0 20  0 20 ]
T  [ 0  0  0  0 20  0 ]
>MA0006.1 Ahr::Arnt
A [ 3 0 0 0 0 0 ]
C [ 8 0 23 0 0 0 ]
G [ 2 23 0 23 0 24 ]
T [ 11 1 1 1 24 0 ]
"""


def test_read_jaspar(tmp_path):
    p = tmp_path / "db.jaspar"
    p.write_text(JASPAR)
    motifs = read_jaspar(p)
    assert [m.id for m in motifs] == ["MA0004.1", "MA0006.1"]
    assert [m.name for m in motifs] == ["Arnt", "Ahr::Arnt"]
    np.testing.assert_allclose(motifs[0].pwm[0], [4 / 20, 16 / 20, 0, 0])
    np.testing.assert_allclose(motifs[0].pwm.sum(axis=1), 1.0)
    assert motifs[0].nsites == 20 and motifs[1].width == 6
    assert [m.id for m in read_motifs(p)] == ["MA0004.1", "MA0006.1"]


def test_read_pfm_with_and_without_header(tmp_path):
    body = "4 19 0 0\n16 0 20 0\n0 1 0 20\n0 0 0 0\n"
    p = tmp_path / "MA9.pfm"
    p.write_text(body)
    (m,) = read_pfm(p)
    assert m.id == "MA9" and m.width == 4
    np.testing.assert_allclose(m.pwm[1], [19 / 20, 0, 1 / 20, 0])
    q = tmp_path / "two.pfm"
    q.write_text(">A1 FOXA1\n" + body + ">A2\n" + body)
    assert [(m.id, m.name) for m in read_motifs(q)] == [("A1", "FOXA1"), ("A2", "A2")]


def test_read_motifs_sniffs_content(tmp_path):
    motifs = [Motif("m1", "TF1", np.full((3, 4), 0.25))]
    p = tmp_path / "db.anything"
    write_meme(p, motifs)
    assert [m.name for m in read_motifs(p)] == ["TF1"]
    j = tmp_path / "db2.anything"
    j.write_text(JASPAR)
    assert len(read_motifs(j)) == 2


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("a.jaspar", "hello world\n", "not JASPAR format"),
        ("a.jaspar", ">X\nA [1 2]\nC [1 2]\nG [1 2]\n", "expected rows A, C, G and T"),
        ("a.jaspar", ">X\nA [1 2]\nC [1 2]\nG [1 2]\nT [1]\n", "different lengths"),
        ("a.jaspar", ">X\nA [0 1]\nC [0 1]\nG [0 1]\nT [0 1]\n", "a column has no counts"),
        ("a.jaspar", "", "no motifs found"),
        ("a.pfm", "1 2\n3 4\n", "expected 4 rows"),
        ("a.pfm", "1 x\n", "not PFM format"),
        ("a.pfm", "1 2\n1 2\n1 2\n-1 2\n", "non-negative"),
        ("a.meme", "nothing\n", "no motifs found"),
    ],
)
def test_bad_motif_files(tmp_path, name, text, message):
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        read_motifs(p)


def test_missing_motif_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_motifs(tmp_path / "nope.jaspar")
