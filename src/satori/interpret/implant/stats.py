"""Cooperativity of implanted pairs and its statistics.

Per pair p, orientation o, gap g and background b, on the logit of the chosen label:

    C[p, o, g, b] = f(AB) - f(A) - f(B) + f(0)

where f(A) has A alone at its place (strand of o), f(B) B alone at its place (strand of
o, gap g), f(AB) both, f(0) the untouched background. An additive model gives C = 0.

- Curve: the mean of C over backgrounds with a percentile bootstrap 95 % interval
  (``n_boot`` resamples of the backgrounds, seeded, the same resamples for every point).
- Best point: the (orientation, gap) with the largest mean C (``alternative`` ``greater``,
  satori-implant's default: only positive cooperativity, "the model needs them together",
  is looked for) or the largest |mean C| (``two-sided``; its sign is kept).
- p-value of the best point, corrected for choosing it: a max-statistic sign-flip test
  over backgrounds. Under H0 (no cooperativity) the per-background curves C[p, :, :, b]
  are independent across backgrounds (independent shuffles and instances) and
  symmetric about 0, so flipping the sign of a background's *whole* curve (one sign per
  background, keeping the dependence between gaps and orientations) leaves the null
  distribution unchanged. The statistic T = max over (o, g) of |mean_b C| (``greater``:
  of mean_b C) is recomputed
  under ``n_perm`` random sign vectors (seeded, shared by all pairs); p = (1 + #{T* >= T})
  / (1 + n_perm), so p >= 1 / (n_perm + 1). A curve that is exactly 0 gets p = 1
  (``greater``: a curve with no positive point).
- q: Benjamini-Hochberg over the pairs tested.
- Marginal effects: f(A) - f(0) (mean over backgrounds and A's strands used) and
  f(B) - f(0) (mean over backgrounds, B's strands and gaps).
"""

from dataclasses import dataclass

import numpy as np

from satori.interpret.stats import benjamini_hochberg

DEFAULT_BOOT = 1000
DEFAULT_PERM = 1000
ALTERNATIVES = ("two-sided", "greater")


def cooperativity(f0: np.ndarray, fa: np.ndarray, fb: np.ndarray, fab: np.ndarray, ia: np.ndarray, ib: np.ndarray,
                  sa: np.ndarray, sb: np.ndarray) -> np.ndarray:
    """C[p, o, g, b] from the screen's outputs of one label.

    f0: (n_bg,). fa: (TA, SA, n_bg). fb: (TB, SB, G, n_bg). fab: (P, O, G, n_bg).
    ia, ib: (P,) rows of ``fa``/``fb`` holding each pair's A and B. sa, sb: (O,) the
    strand rows of each orientation in ``fa``/``fb``. Returns shape=(P, O, G, n_bg).
    """
    single_a = fa[ia[:, None], sa[None, :]]  # (P, O, n_bg)
    single_b = fb[ib[:, None], sb[None, :]]  # (P, O, G, n_bg)
    return fab - single_a[:, :, None, :] - single_b + f0[None, None, None, :]


@dataclass
class PairStats:
    """Statistics of P pairs over an (O, G) grid.

    mean, ci_low, ci_high: (P, O, G). best_o, best_g: (P,) int indices. best, best_low,
    best_high: (P,) the best point's mean and interval. p, q: (P,).
    """

    mean: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    best_o: np.ndarray
    best_g: np.ndarray
    best: np.ndarray
    best_low: np.ndarray
    best_high: np.ndarray
    p: np.ndarray
    q: np.ndarray


def pair_statistics(C: np.ndarray, n_boot: int = DEFAULT_BOOT, n_perm: int = DEFAULT_PERM, seed: int = 0,
                    level: float = 0.95, chunk: int = 8, alternative: str = "two-sided") -> PairStats:
    """Curves, best point, max-statistic p and BH q (module docstring).

    C: np.ndarray, shape=(P, O, G, n_bg). Bootstrap and sign-flip draws are seeded by
    ``seed`` and shared by every pair; pairs are processed ``chunk`` at a time to keep
    the (draws, chunk x O x G) matrices small.
    """
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}")
    C = np.asarray(C, dtype=np.float64)
    P, O, G, n = C.shape
    stat = np.abs if alternative == "two-sided" else (lambda x: x)
    if n < 2:
        raise ValueError("at least 2 backgrounds are needed for an interval and a p-value")
    rng = np.random.default_rng([seed, 18])
    # bootstrap as resampling counts: mean* = counts @ C / n
    boot_counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)  # (n_boot, n)
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n_perm, n))  # (n_perm, n)
    mean = C.mean(axis=3)
    lo_pct, hi_pct = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    ci_low, ci_high = np.empty_like(mean), np.empty_like(mean)
    t_obs = stat(mean).reshape(P, -1).max(axis=1)
    exceed = np.zeros(P)
    for start in range(0, P, chunk):
        part = C[start:start + chunk].reshape(-1, n).T  # (n, k*O*G)
        k = min(chunk, P - start)
        boot = (boot_counts @ part) / n  # (n_boot, k*O*G)
        lo, hi = np.percentile(boot, [lo_pct, hi_pct], axis=0)
        ci_low[start:start + k] = lo.reshape(k, O, G)
        ci_high[start:start + k] = hi.reshape(k, O, G)
        flipped = stat((signs @ part) / n).reshape(n_perm, k, O * G).max(axis=2)  # (n_perm, k)
        # relative tolerance: a flip that reproduces T up to round-off counts as reaching it
        exceed[start:start + k] = (flipped >= t_obs[start:start + k] * (1 - 1e-9)).sum(axis=0)
    p = (1.0 + exceed) / (1.0 + n_perm)
    p[t_obs <= 0] = 1.0
    flat = stat(mean).reshape(P, -1).argmax(axis=1)
    best_o, best_g = np.unravel_index(flat, (O, G))
    pick = (np.arange(P), best_o, best_g)
    return PairStats(mean, ci_low, ci_high, best_o.astype(np.int64), best_g.astype(np.int64), mean[pick],
                     ci_low[pick], ci_high[pick], p, benjamini_hochberg(p))


def marginals(f0: np.ndarray, fa: np.ndarray, fb: np.ndarray, ia: np.ndarray, ib: np.ndarray, sa: np.ndarray,
              sb: np.ndarray):
    """Marginal effects f(A) - f(0) and f(B) - f(0) of each pair's TFs, each shape=(P,).

    Shapes as in ``cooperativity``; the means run over the strands the orientations
    use (``sa``, ``sb``), B's gaps and the backgrounds.
    """
    ua, ub = np.unique(sa), np.unique(sb)
    ma = (fa[:, ua] - f0[None, None, :]).mean(axis=(1, 2))  # (TA,)
    mb = (fb[:, ub] - f0[None, None, None, :]).mean(axis=(1, 2, 3))  # (TB,)
    return ma[ia], mb[ib]
