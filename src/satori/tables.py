"""Reading the tab-separated tables and (possibly gzipped) text files users hand us.

One place for the checks every reader needs — the file exists, it decompresses, it
parses, the required columns are there — so each gives the same one-line
``InputError`` naming the file.
"""

import gzip
import os
from pathlib import Path
from typing import Sequence, Union

import pandas as pd

from satori.errors import InputError

PathLike = Union[str, os.PathLike]


def _where(path: Path, what: str) -> str:
    return f"{what} {path}" if what else str(path)


def read_maybe_gzip(path: PathLike, what: str = "") -> bytes:
    """The bytes of ``path``, gunzipped when the content is gzip (detected, not by name).

    ``what`` prefixes error messages (e.g. ``"--gtf"``).
    """
    path = Path(path)
    where = _where(path, what)
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


def read_tsv(path: PathLike, what: str = "", required: Sequence[str] = (), sep: str = "\t") -> pd.DataFrame:
    """Read a table with a header as strings ("" for empty cells, nothing turned into NaN).

    Parameters
    ----------
    path: str or Path
        The table (plain or gzip; pandas infers compression from the name).
    what: str
        Prefix of error messages, e.g. ``"--activity"`` or ``"labels"``.
    required: sequence of str
        Columns that must be present.
    sep: str
        Field separator (tab by default; ``","`` for CSV samplesheets).

    Returns
    -------
    pd.DataFrame with every column as ``str``.
    """
    path = Path(path)
    where = _where(path, what)
    if not path.is_file():
        raise InputError(f"{where}: file not found")
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, EOFError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{where}: cannot parse as a table ({first})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{where}: missing column(s) {', '.join(missing)} (found: {', '.join(map(str, df.columns[:8]))})"
        )
    return df
