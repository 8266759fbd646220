"""Tab-separated tables and the (possibly gzipped) text files users hand us: the one
reader and the one writer.

Every reader of a user's table goes through ``read_tsv``, so each check — the file
exists, it decompresses, it parses, the required columns are there — gives the same
one-line ``InputError``, worded the same way everywhere::

    --truth pairs.tsv: file not found
    --truth pairs.tsv: cannot parse as a truth pairs table (<pandas' first line>)
    --truth pairs.tsv: not a truth pairs table: missing column(s) tf2 (found: tf1, x)

(the option that named the file first, when there is one).
"""

import gzip
import os
from pathlib import Path
from typing import Sequence, Union

import pandas as pd

from satori.errors import InputError

PathLike = Union[str, os.PathLike]


def format_tsv(df: pd.DataFrame) -> str:
    """A DataFrame as TSV text: header, no index, NaN as empty, floats as %.6g."""
    return df.to_csv(sep="\t", index=False, lineterminator="\n", na_rep="", float_format="%.6g")


def _where(path: Path, flag: str) -> str:
    return f"{flag} {path}" if flag else str(path)


def read_maybe_gzip(path: PathLike, flag: str = "") -> bytes:
    """The bytes of ``path``, gunzipped when the content is gzip (detected, not by name).

    ``flag`` (e.g. ``"--gtf"``) names the option that gave the file in error messages.
    """
    path = Path(path)
    where = _where(path, flag)
    if not path.is_file():
        raise InputError(f"{where}: file not found")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"{where}: cannot decompress ({exc})") from None
    return data


def read_tsv(path: PathLike, what: str = "table", required: Sequence[str] = (), flag: str = "",
             sep: str = "\t", as_text: bool = True) -> pd.DataFrame:
    """Read a table with a header, checking that it exists, parses and has ``required``.

    Parameters
    ----------
    path: str or Path
        The table (plain or gzip; pandas infers compression from the name).
    what: str
        What the table is, for error messages (e.g. ``"truth pairs table"``).
    required: sequence of str
        Columns that must be present.
    flag: str
        The option that gave the file (e.g. ``"--truth"``), for error messages.
    sep: str
        Field separator (tab by default; ``","`` for CSV samplesheets).
    as_text: bool
        True (default): every column as ``str``, empty cells as ``""`` (nothing turned
        into NaN). False: pandas' own types (numbers as numbers, empty cells as NaN).

    Returns
    -------
    pd.DataFrame

    Raises
    ------
    InputError
        The file is missing, does not parse, or lacks a required column.
    """
    path = Path(path)
    where = _where(path, flag)
    if not path.is_file():
        raise InputError(f"{where}: file not found")
    kwargs = {"dtype": str, "keep_default_na": False} if as_text else {}
    try:
        df = pd.read_csv(path, sep=sep, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, EOFError,
            ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{where}: cannot parse as a {what} ({first})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{where}: not a {what}: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(map(str, df.columns[:8]))})"
        )
    return df
