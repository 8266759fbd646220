import numpy as np
import pytest

from satori.data.onehot import center_fit, decode, one_hot
from satori.errors import InputError


def reference_one_hot(seqs):
    out = np.zeros((len(seqs), 4, len(seqs[0])), dtype=np.uint8)
    for n, s in enumerate(seqs):
        for i, c in enumerate(s.upper()):
            if c in "ACGT":
                out[n, "ACGT".index(c), i] = 1
    return out


def test_matches_reference_on_random_sequences():
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGTNacgtn"), size=37)) for _ in range(20)]
    X = one_hot(seqs)
    assert X.dtype == np.uint8
    assert X.shape == (20, 4, 37)
    np.testing.assert_array_equal(X, reference_one_hot(seqs))


def test_decode_round_trip():
    seqs = ["ACGTN", "TTNAA"]
    assert decode(one_hot(seqs)) == seqs


def test_unequal_lengths_rejected():
    with pytest.raises(InputError, match="same length"):
        one_hot(["ACG", "AC"])


def test_center_fit():
    assert center_fit(["AACCGGTT"], 4) == ["CCGG"]
    assert center_fit(["AC"], 6) == ["NNACNN"]
    assert center_fit(["ACG"], 3) == ["ACG"]
