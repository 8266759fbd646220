"""PSI-MITAB reading (HIPPIE, BioGRID, IntAct, plant databases).

A PSI-MITAB 2.5+ file has at least 15 tab-separated columns (``formats.MITAB_COLUMNS``),
usually a header line. Gene symbols come from HIPPIE's ``Gene Name Interactor A/B``
columns when present (the last two of its 18), else from the alias and alternative-id
columns: tokens ``db:value(qualifier)`` whose qualifier is ``gene name`` or ``gene name
synonym``, or whose database is ``entrez gene/locuslink`` (BioGRID's symbols).
"""

import io
import logging
import os
from pathlib import Path
from typing import List, Optional, Union

import numpy as np
import pandas as pd

from satori import formats
from satori.errors import InputError
from satori.tsv import read_maybe_gzip

log = logging.getLogger("satori")

PathLike = Union[str, os.PathLike]

# 0-based column indices of PSI-MITAB 2.5.
COL_ALT_A, COL_ALT_B, COL_ALIAS_A, COL_ALIAS_B = 2, 3, 4, 5
COL_PUBLICATIONS, COL_SOURCES, COL_SCORE = 8, 12, 14

_EXPECTED = (
    "a PSI-MITAB file: at least 15 tab-separated columns (" + ", ".join(formats.MITAB_COLUMNS[:6])
    + ", ..., Confidence Value), gene symbols in 'Gene Name Interactor A/B' (HIPPIE's last two "
    "columns) or in the alias columns"
)


def _alias_symbols(columns: List[pd.Series]) -> pd.Series:
    """Gene symbols (upper case) per row from MITAB alias/alt-id columns, as a long Series.

    The index of the result is the row index; one entry per (row, symbol).
    """
    tokens = pd.concat([c.str.split("|").explode() for c in columns])
    tokens = tokens[tokens.notna() & (tokens != "-")]
    parts = tokens.str.extract(r'^([^:]+):"?([^"(]*?)"?(?:\(([^)]*)\))?$')
    db, value, qual = parts[0].str.lower(), parts[1].str.strip(), parts[2].str.lower()
    keep = qual.isin(["gene name", "gene name synonym"]) | (
        db.isin(["entrez gene/locuslink", "locuslink"]) & ~value.str.fullmatch(r"\d+", na=False)
    )
    sym = value[keep & value.notna() & (value != "")].str.upper()
    unique = sym.rename("symbol").rename_axis("row").reset_index().drop_duplicates()
    return unique.set_index("row")["symbol"]


def _normalise_symbols(values: pd.Series) -> np.ndarray:
    """Stripped upper-case symbols (object array); string work on the unique values only."""
    codes, uniques = pd.factorize(values)
    norm = np.array([str(u).strip().upper() for u in uniques], dtype=object)
    return norm[codes] if len(norm) else np.full(len(values), "", dtype=object)


def parse_scores(values: pd.Series) -> np.ndarray:
    """Confidence values -> float (NaN when absent): ``0.76`` or ``intact-miscore:0.56|...``."""
    num = pd.to_numeric(values, errors="coerce")
    missing = num.isna() & (values != "-") & (values != "")
    if missing.any():
        extracted = values[missing].str.extract(r"(?:^|[:|])\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)", expand=False)
        num[missing] = pd.to_numeric(extracted, errors="coerce")
    return num.to_numpy(dtype=np.float64)


def read_mitab(path: PathLike, min_score: Optional[float] = None) -> pd.DataFrame:
    """Read a PSI-MITAB file into one row per (record, symbol A, symbol B).

    Parameters
    ----------
    path: str or Path — plain or gzip
    min_score: float or None — keep records whose confidence value is >= this (records
        without a score are dropped when given)

    Returns
    -------
    ppi: pd.DataFrame
        ``gene_a``, ``gene_b`` (upper-case symbols), ``score`` (float, NaN if none),
        ``sources``, ``publications`` (raw MITAB fields), ``record`` (0-based data row).
        ``ppi.attrs`` holds ``records`` (data rows read) and ``records_kept`` (after
        ``min_score``).

    Raises
    ------
    InputError
        Missing file, fewer than 15 columns, or no gene symbols anywhere.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--ppi {path}: file not found")
    data = read_maybe_gzip(path, "--ppi")
    first_nl = data.find(b"\n")
    first = data[: first_nl if first_nl >= 0 else len(data)].decode("utf-8", errors="replace").rstrip("\r")
    fields = first.split("\t")
    if len(fields) < 15:
        raise InputError(f"--ppi {path}: not {_EXPECTED}; the first line has {len(fields)} column(s)")
    lower = [f.strip().lstrip("#").strip().lower() for f in fields]
    has_header = fields[0].startswith("#") or any("interactor" in f for f in lower)
    gene_cols = None
    if has_header and "gene name interactor a" in lower and "gene name interactor b" in lower:
        gene_cols = (lower.index("gene name interactor a"), lower.index("gene name interactor b"))
    elif not has_header and len(fields) == 18:
        gene_cols = (16, 17)  # HIPPIE without its header line
    usecols = [COL_PUBLICATIONS, COL_SOURCES, COL_SCORE]
    usecols += list(gene_cols) if gene_cols else [COL_ALT_A, COL_ALT_B, COL_ALIAS_A, COL_ALIAS_B]
    try:
        df = pd.read_csv(
            io.BytesIO(data), sep="\t", header=None, skiprows=1 if has_header else 0, usecols=usecols,
            dtype=str, keep_default_na=False, quoting=3, engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"--ppi {path}: not {_EXPECTED} ({str(exc).splitlines()[0]})") from None
    n_records = len(df)
    scores = parse_scores(df[COL_SCORE])
    keep = np.ones(n_records, dtype=bool)
    if min_score is not None:
        keep = scores >= min_score  # NaN compares False: unscored records go
    df, scores = df[keep], scores[keep]
    record = np.flatnonzero(keep)
    if gene_cols:
        a = _normalise_symbols(df[gene_cols[0]])
        b = _normalise_symbols(df[gene_cols[1]])
        ok = (a != "") & (b != "") & (a != "-") & (b != "-")
        out = pd.DataFrame({
            "gene_a": a[ok], "gene_b": b[ok], "score": scores[ok],
            "sources": df[COL_SOURCES].to_numpy()[ok], "publications": df[COL_PUBLICATIONS].to_numpy()[ok],
            "record": record[ok],
        })
    else:
        df = df.reset_index(drop=True)
        sym_a = _alias_symbols([df[COL_ALT_A], df[COL_ALIAS_A]])
        sym_b = _alias_symbols([df[COL_ALT_B], df[COL_ALIAS_B]])
        pairs = pd.merge(
            sym_a.rename("gene_a").rename_axis("row").reset_index(),
            sym_b.rename("gene_b").rename_axis("row").reset_index(), on="row",
        )
        rows = pairs["row"].to_numpy()
        out = pd.DataFrame({
            "gene_a": pairs["gene_a"].to_numpy(), "gene_b": pairs["gene_b"].to_numpy(), "score": scores[rows],
            "sources": df[COL_SOURCES].to_numpy()[rows], "publications": df[COL_PUBLICATIONS].to_numpy()[rows],
            "record": record[rows],
        })
    if n_records and out.empty and (min_score is None or keep.any()):
        raise InputError(f"--ppi {path}: no gene symbols found; expected {_EXPECTED}")
    out.attrs["records"] = int(n_records)
    out.attrs["records_kept"] = int(keep.sum())
    return out
