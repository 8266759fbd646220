"""Vectorised sampling of background bases and motif instances.

Bases are coded 0..3 for A, C, G, T (the one-hot channel order); the complement of code
``c`` is ``3 - c``. Every draw is a batch of uniforms compared against cumulative
probabilities — no per-base Python loop.
"""

from typing import Sequence

import numpy as np

from satori.errors import InputError
from satori.motifs.io import log_odds

LETTERS = np.frombuffer(b"ACGT", dtype=np.uint8)

#: Fraction of a PWM's maximum log-odds score an implanted instance must reach.
MIN_SCORE_FRACTION = 0.5


def parse_background(text: str) -> np.ndarray:
    """Parse ``--background`` ("A,C,G,T" frequencies) into an array of shape (4,).

    Raises InputError unless it is 4 non-negative numbers summing to 1 (within 1e-6)
    with every base possible.
    """
    try:
        values = np.array([float(v) for v in str(text).replace(" ", "").split(",")], dtype=np.float64)
    except ValueError:
        raise InputError(f"--background '{text}': expected 4 comma-separated numbers (A,C,G,T)") from None
    if values.shape != (4,) or not np.isfinite(values).all():
        raise InputError(f"--background '{text}': expected 4 comma-separated numbers (A,C,G,T)")
    if (values <= 0).any():
        raise InputError(f"--background '{text}': every base frequency must be positive")
    if abs(values.sum() - 1.0) > 1e-6:
        raise InputError(f"--background '{text}': frequencies must sum to 1 (they sum to {values.sum():g})")
    return values


def sample_background(rng: np.random.Generator, n: int, length: int, background: Sequence[float]) -> np.ndarray:
    """Random sequences with independent bases at the background frequencies.

    Returns np.ndarray, shape=(n, length), dtype=uint8, codes 0..3 (A, C, G, T).
    """
    cum = np.cumsum(np.asarray(background, dtype=np.float64))[:3]
    # Chunks keep the float64 uniforms small (8 bytes each) for large n * length.
    out = np.empty((n, length), dtype=np.uint8)
    flat = out.reshape(-1)
    chunk = 1 << 22
    for lo in range(0, flat.size, chunk):
        u = rng.random(min(chunk, flat.size - lo))
        flat[lo:lo + u.size] = np.searchsorted(cum, u, side="right")
    return out


def score_instances(codes: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Log-odds scores of k-mers on the motif's own strand.

    codes: np.ndarray, shape=(n, w), codes 0..3. lo: np.ndarray, shape=(w, 4), the
    log-odds matrix (``satori.motifs.io.log_odds``). Returns shape (n,), float64.
    """
    w = lo.shape[0]
    return lo[np.arange(w)[None, :], codes].sum(axis=1)


def score_threshold(lo: np.ndarray, fraction: float = MIN_SCORE_FRACTION) -> float:
    """``fraction`` times the maximum log-odds score of a motif (lo of shape (w, 4))."""
    return float(fraction * lo.max(axis=1).sum())


def sample_instances(
    rng: np.random.Generator,
    pwm: np.ndarray,
    n: int,
    background: Sequence[float],
    fraction: float = MIN_SCORE_FRACTION,
    max_rounds: int = 50,
    motif_name: str = "motif",
) -> np.ndarray:
    """Sample ``n`` instances of a motif whose log-odds score is >= ``fraction`` x max.

    Candidates are drawn from the PWM in batches (one uniform per position compared with
    the cumulative column probabilities); those scoring below the threshold are dropped
    and the batch is topped up, sized by the acceptance rate seen so far.

    Parameters
    ----------
    rng: np.random.Generator
    pwm: np.ndarray, shape=(w, 4)
        Letter probabilities (A, C, G, T).
    n: int
        Number of instances wanted.
    background: 4 floats
        Base frequencies the log-odds score is taken against.
    fraction: float
        Minimum score as a fraction of the maximum score (0.5 in the paper).
    max_rounds: int
        Batches to try before giving up.

    Returns
    -------
    codes: np.ndarray, shape=(n, w), dtype=uint8
        Instances on the motif's own strand (reverse-complement them for '-').

    Raises
    ------
    InputError
        Fewer than ``n`` passing instances after ``max_rounds`` batches (a PWM whose
        samples almost never reach half its maximum score).
    """
    pwm = np.asarray(pwm, dtype=np.float64)
    w = pwm.shape[0]
    lo = log_odds(pwm, background)
    threshold = score_threshold(lo, fraction)
    cum = np.cumsum(pwm, axis=1)[:, :3]  # (w, 3)

    kept = []
    n_kept = 0
    n_drawn = 0
    batch = max(64, int(1.3 * n) + 16)
    for _ in range(max_rounds):
        if n_kept >= n:
            break
        u = rng.random((batch, w))
        codes = (u[:, :, None] >= cum[None, :, :]).sum(axis=2).astype(np.uint8)  # (batch, w)
        ok = score_instances(codes, lo) >= threshold
        kept.append(codes[ok])
        n_kept += int(ok.sum())
        n_drawn += batch
        rate = max(n_kept / n_drawn, 1e-3)
        batch = min(max(64, int(1.3 * (n - n_kept) / rate) + 16), 1 << 20)
    if n_kept < n:
        raise InputError(
            f"{motif_name}: only {n_kept} of {n_drawn} sampled instances reach {fraction:g} x the "
            f"maximum log-odds score; cannot sample {n} instances"
        )
    return np.concatenate(kept)[:n] if n else np.zeros((0, w), dtype=np.uint8)


def reverse_complement_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of coded k-mers: shape (n, w) -> (n, w), uint8."""
    return (3 - codes[:, ::-1]).astype(np.uint8)
