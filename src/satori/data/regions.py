"""Genomic intervals: BED reading, the merge rule, re-centring, splits.

Coordinates are 0-based half-open (BED) throughout. Interval frames are pandas
DataFrames with columns ``chrom`` (str), ``start``, ``end`` (int64), the layout of
bioframe, which does the interval arithmetic (overlaps, clustering, complements).
"""

import contextlib
import gzip
import io
import os
import warnings
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from satori.errors import InputError

PathLike = Union[str, os.PathLike]


@contextlib.contextmanager
def bioframe_quiet():
    """``with bioframe_quiet(): bioframe.overlap(...)`` — no pandas-3 deprecation noise.

    bioframe 0.8 still calls pandas APIs that pandas 3 deprecates; the warnings say
    nothing about our data.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        try:
            from pandas.errors import Pandas4Warning  # pandas >= 3
        except ImportError:  # pragma: no cover - older pandas
            pass
        else:
            warnings.filterwarnings("ignore", category=Pandas4Warning)
        yield


# --- reading -------------------------------------------------------------------------


def read_text_lines(path: Path) -> List[str]:
    """All lines of a plain or gzip text file (gzip detected from the content)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def read_bed(path: PathLike, flag: str = "--peaks") -> pd.DataFrame:
    """Read a BED file (BED3+, narrowPeak, gz allowed).

    ``track``/``browser``/``#`` lines are skipped. Columns beyond the fourth are ignored.

    Returns
    -------
    bed: pd.DataFrame
        ``chrom`` (str), ``start``, ``end`` (int64), ``name`` (str, "" when the file has
        no fourth column), in file order.

    Raises
    ------
    InputError
        Missing file, fewer than 3 columns, non-integer or negative coordinates,
        start > end, or no intervals at all.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{flag} {path}: BED file not found")
    lines = read_text_lines(path)
    lineno = [i for i, line in enumerate(lines, start=1)
              if line.strip() and not line.startswith(("#", "track", "browser"))]
    if not lineno:
        raise InputError(f"{flag} {path}: no intervals in the BED file")
    body = "\n".join(lines[i - 1] for i in lineno)
    ncols = min(len(lines[lineno[0] - 1].split("\t")), 4)
    if ncols < 3:
        raise InputError(
            f"{flag} {path}: line {lineno[0]}: a BED line needs at least 3 tab-separated columns "
            f"(chrom, start, end); found {ncols}"
        )
    try:
        df = pd.read_csv(
            io.StringIO(body), sep="\t", header=None, usecols=list(range(ncols)), dtype=str,
            keep_default_na=False, engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{flag} {path}: cannot parse BED ({str(exc).splitlines()[0]})") from None
    df.columns = ["chrom", "start", "end", "name"][:ncols]
    lineno = np.asarray(lineno)
    if (df["end"] == "").any() or (df["start"] == "").any():
        bad = int(np.flatnonzero(((df["end"] == "") | (df["start"] == "")).to_numpy())[0])
        raise InputError(f"{flag} {path}: line {lineno[bad]}: a BED line needs at least 3 columns (chrom, start, end)")
    out = pd.DataFrame({"chrom": df["chrom"].astype(str)})
    for col in ("start", "end"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() | (num < 0) | (num != num.round())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{flag} {path}: line {lineno[i]}: {col} must be a non-negative integer, got '{df[col].iloc[i]}'"
            )
        out[col] = num.astype(np.int64)
    bad = (out["start"] > out["end"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{flag} {path}: line {lineno[i]}: start > end ({out['start'].iloc[i]} > {out['end'].iloc[i]})"
        )
    out["name"] = df["name"].astype(str) if ncols >= 4 else ""
    return out


# --- the merge rule -----------------------------------------------------------------


def merge_clusters(chroms: np.ndarray, starts: np.ndarray, ends: np.ndarray, min_overlap: int) -> np.ndarray:
    """Group intervals that share more than ``min_overlap`` bp, transitively.

    Two intervals are linked when ``min(end) - max(start) > min_overlap``; clusters are
    the connected components of that graph. Exact and pair-free: intervals a and b share
    more than t bp exactly when their ends shrunk by t, ``[start, end - t)``, overlap, so
    the components are the ordinary overlap clusters of the shrunk intervals (bioframe's
    ``cluster`` with ``min_dist=None``: touching intervals are not merged). Intervals of
    length <= t cannot share more than t bp and stay alone.

    Parameters
    ----------
    chroms, starts, ends: arrays, shape=(n,)
    min_overlap: int
        t >= 0; 200 in the paper ("merged if they shared > 200 bp").

    Returns
    -------
    cluster: np.ndarray, shape=(n,), int64
        Cluster index of each interval, 0..n_clusters-1, numbered in order of first
        appearance in the input.
    """
    import bioframe

    n = len(starts)
    if min_overlap < 0:
        raise ValueError("min_overlap must be >= 0")
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    cluster = np.arange(n, dtype=np.int64)  # singletons unless linked below
    long_enough = np.flatnonzero(ends - starts > min_overlap)
    if len(long_enough) > 1:
        shrunk = pd.DataFrame({
            "chrom": np.asarray(chroms)[long_enough],
            "start": starts[long_enough],
            "end": ends[long_enough] - min_overlap,
        })
        with bioframe_quiet():
            clustered = bioframe.cluster(shrunk, min_dist=None, return_input=False)
        # Label each linked group by its smallest member index, then renumber densely.
        cl = clustered["cluster"].to_numpy()
        first = pd.Series(long_enough).groupby(cl).transform("min").to_numpy()
        cluster[long_enough] = first
    _, dense = np.unique(cluster, return_inverse=True)
    # np.unique sorts by representative (smallest member), i.e. first appearance.
    return dense.astype(np.int64)


def recentre(starts: np.ndarray, ends: np.ndarray, length: int) -> Tuple[np.ndarray, np.ndarray]:
    """Windows of ``length`` bp centred on each interval's midpoint.

    The midpoint is ``(start + end) // 2``; the window is
    ``[mid - length // 2, mid - length // 2 + length)``. May run off a chromosome
    (negative start or end past its length): ``off_end`` finds those.
    """
    mid = (np.asarray(starts, dtype=np.int64) + np.asarray(ends, dtype=np.int64)) // 2
    new_start = mid - length // 2
    return new_start, new_start + length


def off_end(chroms: Sequence[str], starts: np.ndarray, ends: np.ndarray, sizes: Dict[str, int]) -> np.ndarray:
    """Boolean mask (n,): the interval starts before 0 or ends past its chromosome's end."""
    size = pd.Series(np.asarray(chroms)).map(sizes).to_numpy(dtype=np.float64)
    return (np.asarray(starts) < 0) | (np.asarray(ends) > size) | np.isnan(size)


def union_labels(
    cluster: np.ndarray, hit_peak: np.ndarray, hit_sample: np.ndarray, n_clusters: int, n_samples: int
) -> np.ndarray:
    """Labels of merged regions: the union of the samples of their peaks.

    Parameters
    ----------
    cluster: np.ndarray, shape=(n_peaks,) — cluster of each peak (-1: peak dropped)
    hit_peak, hit_sample: np.ndarray, shape=(n_hits,) — peak ``hit_peak[i]`` is a peak
        of sample ``hit_sample[i]`` (sparse peak × sample incidence)

    Returns
    -------
    labels: np.ndarray, shape=(n_clusters, n_samples), uint8 0/1
    """
    labels = np.zeros((n_clusters, n_samples), dtype=np.uint8)
    c = cluster[hit_peak]
    keep = c >= 0
    labels[c[keep], hit_sample[keep]] = 1
    return labels


# --- splits -------------------------------------------------------------------------


def parse_chrom_list(text: str, flag: str) -> List[str]:
    """``"17,20,21"`` or ``"chr17, chr20"`` -> comparison keys (see ``genome.chrom_key``)."""
    from satori.data.genome import chrom_key

    items = [t.strip() for t in (text or "").split(",") if t.strip()]
    return [chrom_key(t) for t in items]


def split_by_chrom(chroms: Sequence[str], valid: Iterable[str], test: Iterable[str]) -> np.ndarray:
    """``train``/``valid``/``test`` per region by chromosome (keys from ``parse_chrom_list``)."""
    from satori.data.genome import chrom_key

    valid, test = set(valid), set(test)
    both = valid & test
    if both:
        raise InputError(f"--valid-chroms and --test-chroms share chromosome(s) {sorted(both)}")
    keys = pd.Series(np.asarray(chroms, dtype=object)).map(chrom_key)
    out = np.full(len(keys), "train", dtype=object)
    out[keys.isin(valid).to_numpy()] = "valid"
    out[keys.isin(test).to_numpy()] = "test"
    return out


def split_random(n: int, rng: np.random.Generator, fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> np.ndarray:
    """A seeded random split: ``round(n * f)`` regions to valid and test, the rest to train."""
    n_valid = int(round(n * fractions[1]))
    n_test = int(round(n * fractions[2]))
    out = np.full(n, "train", dtype=object)
    order = rng.permutation(n)
    out[order[:n_valid]] = "valid"
    out[order[n_valid:n_valid + n_test]] = "test"
    return out


def region_ids(chroms: Sequence[str], starts: np.ndarray, ends: np.ndarray) -> List[str]:
    """Record ids ``chrom:start-end`` (0-based half-open)."""
    return [f"{c}:{s}-{e}" for c, s, e in zip(chroms, np.asarray(starts).tolist(), np.asarray(ends).tolist())]
