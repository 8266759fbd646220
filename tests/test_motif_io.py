import numpy as np
import pytest

from satori.errors import InputError
from satori.motifs.io import Motif, information_content, log_odds, read_meme, write_meme
from satori.motifs.jaspar import load_jaspar


def test_meme_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    motifs = []
    for i in range(3):
        pwm = rng.dirichlet(np.ones(4), size=5 + i)
        motifs.append(Motif(f"m{i}", f"TF {i}", pwm, nsites=10 + i))
    write_meme(tmp_path / "m.meme", motifs)
    got = read_meme(tmp_path / "m.meme")
    assert [m.id for m in got] == ["m0", "m1", "m2"]
    assert [m.name for m in got] == ["TF_0", "TF_1", "TF_2"]
    for a, b in zip(motifs, got):
        np.testing.assert_allclose(a.pwm, b.pwm, atol=1e-5)
        assert a.nsites == b.nsites


@pytest.mark.parametrize(
    "text, message",
    [
        ("hello\n", "no motifs"),
        ("MOTIF a\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 0 0\n", "expected 2 matrix rows"),
        ("MOTIF a\nletter-probability matrix: alength= 4 w= 1\n0.5 0.5 0\n", "expected 4 columns"),
        ("MOTIF a\nletter-probability matrix: alength= 4 w= 1\n0.9 0.5 0 0\n", "summing to 1"),
    ],
)
def test_bad_meme(tmp_path, text, message):
    p = tmp_path / "bad.meme"
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        read_meme(p)


def test_log_odds_and_ic():
    pwm = np.array([[1.0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25]])
    lo = log_odds(pwm, pseudocount=0)
    assert lo[0, 0] == pytest.approx(2.0)
    assert lo[1] == pytest.approx([0, 0, 0, 0])
    assert information_content(pwm) == pytest.approx(2.0, abs=1e-6)


def test_jaspar_bundled_offline():
    motifs = load_jaspar("JASPAR2024", "CORE", "vertebrates")
    assert len(motifs) > 500
    m = motifs[0]
    assert m.pwm.shape[1] == 4
    np.testing.assert_allclose(m.pwm.sum(axis=1), 1.0, atol=1e-6)


def test_jaspar_unknown_release():
    with pytest.raises(InputError, match="unknown JASPAR release"):
        load_jaspar("JASPAR1999")
