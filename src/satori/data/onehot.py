"""One-hot encoding of DNA into a compact uint8 array."""

from typing import Sequence

import numpy as np

from satori.errors import InputError

ALPHABET = "ACGT"

# byte -> channel (0..3); anything else (N) -> 4, which maps to an all-zero column.
_LOOKUP = np.full(256, 4, dtype=np.uint8)
for _i, _c in enumerate(ALPHABET):
    _LOOKUP[ord(_c)] = _i
    _LOOKUP[ord(_c.lower())] = _i


def one_hot(seqs: Sequence[str], length: int = None) -> np.ndarray:
    """One-hot encode sequences of equal length.

    Parameters
    ----------
    seqs: sequence of str
        DNA sequences (any case). N (or any non-ACGT byte) encodes as all zeros.
    length: int or None
        If given, every sequence must have this length.

    Returns
    -------
    X: np.ndarray, shape=(n, 4, length), dtype=uint8
        Channels in A, C, G, T order.
    """
    if len(seqs) == 0:
        return np.zeros((0, 4, length or 0), dtype=np.uint8)
    lengths = {len(s) for s in seqs}
    if length is None and len(lengths) == 1:
        length = lengths.pop()
    elif lengths != {length}:
        raise InputError(
            f"sequences must all have the same length (found lengths {sorted(lengths)[:5]}"
            + (f", expected {length}" if length is not None else "") + ")"
        )

    codes = np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)
    idx = _LOOKUP[codes].reshape(len(seqs), length)
    eye = np.concatenate([np.eye(4, dtype=np.uint8), np.zeros((1, 4), dtype=np.uint8)])
    return np.ascontiguousarray(eye[idx].transpose(0, 2, 1))


def decode(X: np.ndarray) -> list:
    """Turn a one-hot array back into strings (all-zero columns become N).

    X: np.ndarray, shape=(n, 4, length). Returns a list of n strings.
    """
    X = np.asarray(X)
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    idx = np.where(X.sum(axis=1) > 0, X.argmax(axis=1), 4)
    return [letters[row].tobytes().decode("ascii") for row in idx]


def center_fit(seqs: Sequence[str], length: int) -> list:
    """Centre-crop or pad with N each sequence to exactly ``length`` bases."""
    out = []
    for s in seqs:
        if len(s) > length:
            start = (len(s) - length) // 2
            out.append(s[start:start + length])
        elif len(s) < length:
            left = (length - len(s)) // 2
            out.append("N" * left + s + "N" * (length - len(s) - left))
        else:
            out.append(s)
    return out
