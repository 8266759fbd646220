"""Calibrated TomTom p-values: trim queries to their core, empirical null per target.

Why: memelite's TomTom p-value of a query against a target is computed under a null
in which the target's columns are independent draws from all database columns. Real
database motifs are not like that: long, structured targets (CTCF's 30+ columns) and
blurry queries give p-values far below their nominal level. With 13-column random
queries the share of p < 0.01 grows from 0.001 (5-7-column targets) to 0.67
(25-39 columns), so every random filter was named CTCF (DESIGN.md, "Filter -> motif").
The correction lives here, in one place, on top of memelite's p (memelite stays the
engine):

1. Trim: a query PWM loses its flank columns whose information content is below
   ``TRIM_IC`` bits (interior columns stay), as people do before TomTom. A core
   narrower than ``MIN_CORE`` columns is not compared.
2. Null per target: random PWMs (Dirichlet columns over a wide range of
   concentrations, flanks of at least ``TRIM_IC`` bits, so trimming leaves them whole)
   are compared with the whole database once. They are grouped into strata by core
   width and mean column information content (``WIDTH_EDGES`` x ``COLUMN_IC_EDGES``),
   the two query properties that move memelite's p the most. For every stratum and
   target, z = -ln(memelite p) of the null queries gives a survival function:
   empirical (a step function at the 10 %, 20 %, ... quantiles) above the tail and an
   exponential tail beyond the top ``TAIL_FRACTION`` (a generalised-Pareto tail of
   shape 0 fitted by maximum likelihood, scale = mean excess). The tail gives
   continuous p-values far below 1 / (number of null draws), which BH over ~900
   targets needs (a best match needs p of about 5e-5 for q <= 0.05).
3. Calibrated p of a (query, target) pair = max(memelite p, null survival of its z
   in the query's stratum): a match must be unlikely both under TomTom's column null
   and against random queries like this one.

The null is computed once per database (a few seconds for JASPAR's 879 matrices on
one core) and cached on disk under ``cache_dir()`` (``$SATORI_CACHE_DIR``, default
``$XDG_CACHE_HOME/satori`` or ``~/.cache/satori``), keyed by a hash of the database's
ids, names and matrices, the settings below and memelite's version.
"""

import hashlib
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from satori.motifs.io import Motif
from satori.numba_cache import ensure_numba_cache_dir

log = logging.getLogger("satori")

NULL_VERSION = "1"
TRIM_IC = 0.3
MIN_CORE = 4
WIDTH_EDGES = (8, 12)  # strata: core width < 8, 8..11, >= 12
COLUMN_IC_EDGES = (0.6, 0.9, 1.3)  # strata: mean column IC (bits) < 0.6, .., >= 1.3
N_PER_STRATUM = 400
TAIL_FRACTION = 0.1
SURVIVAL_LEVELS = np.round(np.arange(1.0, TAIL_FRACTION - 1e-9, -0.1), 10)  # 1.0, 0.9, ..., 0.1
NULL_WIDTHS = (4, 20)  # null core widths, inclusive
NULL_SEED = 20240


def cache_dir() -> Path:
    """``$SATORI_CACHE_DIR``, else ``$XDG_CACHE_HOME/satori`` (default ``~/.cache/satori``)."""
    env = os.environ.get("SATORI_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "satori"


def column_ic(pwm: np.ndarray) -> np.ndarray:
    """Information content (bits) of each column, pwm shape=(width, 4) -> shape=(width,)."""
    p = np.clip(np.asarray(pwm, dtype=np.float64), 1e-12, 1.0)
    return 2.0 + (p * np.log2(p)).sum(axis=-1)


def trim(pwm: np.ndarray, min_ic: float = TRIM_IC):
    """The informative core of a PWM: flank columns below ``min_ic`` bits removed.

    pwm: np.ndarray, shape=(width, 4). Returns ``(start, stop)``: the core is
    ``pwm[start:stop]`` (``start == stop`` when no column reaches ``min_ic``).
    """
    keep = np.flatnonzero(column_ic(pwm) >= min_ic)
    if len(keep) == 0:
        return 0, 0
    return int(keep[0]), int(keep[-1]) + 1


def stratum(core: np.ndarray) -> int:
    """Null stratum of a trimmed query: index into (width bin) x (mean column IC bin)."""
    w = np.searchsorted(WIDTH_EDGES, core.shape[0], side="right")
    c = np.searchsorted(COLUMN_IC_EDGES, float(column_ic(core).mean()), side="right")
    return int(w * (len(COLUMN_IC_EDGES) + 1) + c)


N_STRATA = (len(WIDTH_EDGES) + 1) * (len(COLUMN_IC_EDGES) + 1)


@dataclass
class NullModel:
    """Per-(stratum, target) null survival of z = -ln(memelite p).

    knots: np.ndarray, shape=(S, T, K) — z at the survival levels ``levels`` (K, from
        1.0 down to ``TAIL_FRACTION``); the last knot is the tail threshold u.
    scale: np.ndarray, shape=(S, T) — exponential tail scale (mean excess over u).
    levels: np.ndarray, shape=(K,).
    n_null: np.ndarray, shape=(S,) — null queries per stratum.
    """

    knots: np.ndarray
    scale: np.ndarray
    levels: np.ndarray
    n_null: np.ndarray

    def survival(self, z: np.ndarray, strata: np.ndarray) -> np.ndarray:
        """Null P(Z >= z) for z shape=(Q, T) and each query's stratum (Q,) -> (Q, T)."""
        knots = self.knots[strata]  # (Q, T, K)
        p = np.ones_like(z)
        for k, level in enumerate(self.levels):
            p = np.where(z >= knots[..., k], level, p)
        u = knots[..., -1]
        tail = self.levels[-1] * np.exp(-(z - u) / self.scale[strata])
        return np.where(z > u, tail, p)


def _z(p: np.ndarray) -> np.ndarray:
    return -np.log(np.clip(np.nan_to_num(p, nan=1.0), 1e-300, 1.0))


def raw_tomtom(queries: Sequence[np.ndarray], targets: Sequence[Motif], threads: int = 0):
    """memelite's TomTom, both strands: ``(p, scores, offsets, overlaps, strands)``, each (Q, T)."""
    ensure_numba_cache_dir()
    from memelite import tomtom

    Qs = [np.ascontiguousarray(np.asarray(q, dtype=np.float64).T) for q in queries]
    Ts = [np.ascontiguousarray(np.asarray(t.pwm, dtype=np.float64).T) for t in targets]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = tomtom(Qs, Ts, reverse_complement=True, n_jobs=threads if threads > 0 else -1)
    for w in caught:  # e.g. "fewer than 25 targets: p-values depend on the targets" -> one log line
        log.warning("TomTom: %s", w.message)
    return out


def null_queries(rng: np.random.Generator):
    """Random PWM cores, ``N_PER_STRATUM`` per stratum.

    Columns are Dirichlet with a concentration drawn log-uniformly in [0.1, 5] per
    query; the two flank columns are redrawn until they hold >= ``TRIM_IC`` bits, so
    ``trim`` keeps every column. Returns ``(pwms, strata)``: list of arrays
    shape=(w, 4), and their stratum (np.ndarray int, shape=(n,)).
    """
    pwms, strata = [], []
    counts = np.zeros(N_STRATA, dtype=np.int64)
    for _ in range(2000):
        if counts.min() >= N_PER_STRATUM:
            break
        for _ in range(500):
            w = int(rng.integers(NULL_WIDTHS[0], NULL_WIDTHS[1] + 1))
            alpha = float(np.exp(rng.uniform(np.log(0.1), np.log(5.0))))
            pwm = rng.dirichlet([alpha] * 4, size=w)
            for end in (0, w - 1):
                for _ in range(100):
                    if column_ic(pwm[end]) >= TRIM_IC:
                        break
                    pwm[end] = rng.dirichlet([min(alpha, 1.0)] * 4)
            pwm = np.clip(pwm, 1e-6, 1.0)
            pwm /= pwm.sum(axis=1, keepdims=True)
            s = stratum(pwm[slice(*trim(pwm))])
            if counts[s] < N_PER_STRATUM:
                counts[s] += 1
                pwms.append(pwm)
                strata.append(s)
    return pwms, np.asarray(strata, dtype=np.int64)


def fit_null(z: np.ndarray, strata: np.ndarray) -> NullModel:
    """Fit the survival model from null z = -ln p, shape=(N, T), and strata (N,)."""
    levels = SURVIVAL_LEVELS
    n_t = z.shape[1]
    knots = np.zeros((N_STRATA, n_t, len(levels)))
    scale = np.ones((N_STRATA, n_t))
    n_null = np.bincount(strata, minlength=N_STRATA)
    for s in range(N_STRATA):
        zs = z[strata == s]
        if len(zs) < 20:
            raise ValueError(f"null stratum {s} has only {len(zs)} queries")
        knots[s] = np.quantile(zs, 1.0 - levels, axis=0, method="higher").T  # (T, K)
        u = knots[s, :, -1]
        excess = zs - u[None, :]
        above = excess > 0
        mean_excess = np.where(above, excess, 0.0).sum(axis=0) / np.maximum(above.sum(axis=0), 1)
        scale[s] = np.maximum(mean_excess, 1e-3)
    return NullModel(knots=knots, scale=scale, levels=levels, n_null=n_null)


def database_key(targets: Sequence[Motif], settings=None) -> str:
    """Hash of the database content (ids, names, matrices), ``settings`` and memelite's version.

    ``settings`` defaults to this module's null settings; the hash names cache files.
    """
    try:
        from importlib.metadata import version

        memelite_version = version("memelite")
    except Exception:  # pragma: no cover - metadata missing
        memelite_version = "?"
    if settings is None:
        settings = (NULL_VERSION, TRIM_IC, WIDTH_EDGES, COLUMN_IC_EDGES, N_PER_STRATUM, TAIL_FRACTION,
                    NULL_WIDTHS, NULL_SEED)
    h = hashlib.sha256()
    h.update(repr((tuple(settings), memelite_version)).encode())
    for m in targets:
        h.update(f"{m.id}\t{m.name}\t{m.pwm.shape}".encode())
        h.update(np.round(np.asarray(m.pwm, dtype=np.float64), 6).tobytes())
    return h.hexdigest()[:20]


def build_null(targets: Sequence[Motif], threads: int = 0) -> NullModel:
    """Compare the seeded null queries with ``targets`` and fit the model (no cache)."""
    rng = np.random.default_rng(NULL_SEED)
    queries, strata = null_queries(rng)
    from tqdm.auto import tqdm

    zs = []
    chunks = np.array_split(np.arange(len(queries)), max(1, len(queries) // 400))
    for chunk in tqdm(chunks, desc="TomTom null", leave=False, disable=None):
        p = raw_tomtom([queries[i] for i in chunk], targets, threads)[0]
        zs.append(_z(p))
    return fit_null(np.concatenate(zs), strata)


def load_null(targets: Sequence[Motif], threads: int = 0) -> NullModel:
    """The null model of ``targets``: from the disk cache, or built once and cached."""
    from satori.atomic import write_bytes

    path = cache_dir() / "tomtom_null" / f"{database_key(targets)}.npz"
    if path.is_file():
        try:
            with np.load(path) as d:
                model = NullModel(d["knots"], d["scale"], d["levels"], d["n_null"])
            if model.knots.shape[1] == len(targets):
                return model
        except (OSError, KeyError, ValueError):
            log.warning("TomTom null cache %s is unreadable; rebuilding it", path)
    log.info("building the TomTom null of %d motifs (%d random PWMs; once per database, cached in %s)",
             len(targets), N_PER_STRATUM * N_STRATA, path.parent)
    model = build_null(targets, threads)
    try:
        import io

        buf = io.BytesIO()
        np.savez(buf, knots=model.knots, scale=model.scale, levels=model.levels, n_null=model.n_null)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, buf.getvalue())
    except OSError as e:
        log.warning("cannot cache the TomTom null in %s: %s", path, e)
    return model


def calibrated_p(raw_p: np.ndarray, strata: np.ndarray, null: NullModel) -> np.ndarray:
    """Calibrated p, shape=(Q, T): max(memelite p, null survival of -ln p in the query's stratum)."""
    raw_p = np.clip(np.nan_to_num(raw_p, nan=1.0), 0.0, 1.0)
    if raw_p.shape[0] == 0:
        return raw_p
    return np.maximum(raw_p, null.survival(_z(raw_p), np.asarray(strata, dtype=np.int64)))
