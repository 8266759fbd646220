"""Tab-separated tables: one way to write and read them (NaN as empty cells)."""

from pathlib import Path
from typing import Sequence

import pandas as pd

from satori.errors import InputError


def format_tsv(df: pd.DataFrame) -> str:
    """A DataFrame as TSV text: header, no index, NaN as empty, floats as %.6g."""
    return df.to_csv(sep="\t", index=False, lineterminator="\n", na_rep="", float_format="%.6g")


def read_tsv(path, what: str, required: Sequence[str], flag: str = "") -> pd.DataFrame:
    """Read a TSV with a header as strings (empty cells stay ""), checking columns.

    ``what`` names the table in error messages, ``flag`` the option that gave it.
    Raises ``InputError`` when the file is missing, does not parse or lacks a column.
    """
    path = Path(path)
    where = f" ({flag})" if flag else ""
    if not path.is_file():
        raise InputError(f"{path}: {what} not found{where}")
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot parse {what}{where} ({str(exc).splitlines()[0]})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{path}: not a {what}{where}: missing column(s) {', '.join(missing)}")
    return df
