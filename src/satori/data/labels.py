"""``labels.tsv``: ``id``, ``split`` (train/valid/test), then one 0/1 column per label."""

import io
import os
from pathlib import Path
from typing import Union

import numpy as np
import pandas as pd

from satori import formats
from satori.atomic import write_text
from satori.errors import InputError
from satori.tsv import read_tsv

PathLike = Union[str, os.PathLike]


def read_labels(path: PathLike, require_split: bool = True) -> pd.DataFrame:
    """Read and validate a ``labels.tsv``.

    Parameters
    ----------
    path: str or Path
        Tab-separated file with a header: ``id``, optionally ``split``, then label columns.
    require_split: bool
        If True, a missing ``split`` column is an error; if False the returned frame
        simply has no ``split`` column and the caller decides (e.g. a seeded 80/10/10).

    Returns
    -------
    labels: pd.DataFrame
        Columns ``id`` (str), ``split`` (str, when present), then the label columns as
        uint8 0/1, in file order.
    """
    path = Path(path)
    df = read_tsv(path, "labels table", (formats.LABELS_ID,))
    if df.empty:
        raise InputError(f"{path}: labels table has no rows")
    if df[formats.LABELS_ID].duplicated().any():
        dup = df.loc[df[formats.LABELS_ID].duplicated(), formats.LABELS_ID].iloc[0]
        raise InputError(f"{path}: duplicate id '{dup}'")
    has_split = formats.LABELS_SPLIT in df.columns
    if require_split and not has_split:
        raise InputError(f"{path}: no '{formats.LABELS_SPLIT}' column")
    if has_split:
        bad = ~df[formats.LABELS_SPLIT].isin(formats.SPLITS)
        if bad.any():
            raise InputError(
                f"{path}: split must be one of {'/'.join(formats.SPLITS)}; "
                f"found '{df.loc[bad, formats.LABELS_SPLIT].iloc[0]}' for id '{df.loc[bad, formats.LABELS_ID].iloc[0]}'"
            )
    label_cols = [c for c in df.columns if c not in (formats.LABELS_ID, formats.LABELS_SPLIT)]
    if not label_cols:
        raise InputError(f"{path}: no label columns after '{formats.LABELS_ID}'/'{formats.LABELS_SPLIT}'")
    for col in label_cols:
        ok = df[col].isin(["0", "1"])
        if not ok.all():
            raise InputError(
                f"{path}: label column '{col}' must hold 0/1; found '{df.loc[~ok, col].iloc[0]}' "
                f"for id '{df.loc[~ok, formats.LABELS_ID].iloc[0]}'"
            )
        df[col] = df[col].astype(np.uint8)
    return df


def label_columns(df: pd.DataFrame) -> list:
    """The label column names of a labels frame (everything but ``id`` and ``split``)."""
    return [c for c in df.columns if c not in (formats.LABELS_ID, formats.LABELS_SPLIT)]


def write_labels(path: PathLike, df: pd.DataFrame) -> None:
    """Write a labels frame atomically as TSV (``id``, ``split``, label columns)."""
    buf = io.StringIO()
    df.to_csv(buf, sep="\t", index=False, lineterminator="\n")
    write_text(path, buf.getvalue())
