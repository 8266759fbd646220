"""FASTA reading and writing (plain or gzip; any case; N allowed)."""

import gzip
import io
import os
import re
from pathlib import Path
from typing import List, Sequence, Tuple, Union

from satori.atomic import atomic_path
from satori.errors import InputError

PathLike = Union[str, os.PathLike]

_VALID = re.compile(rb"^[ACGTNacgtn]*$")


def _open_text(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_fasta(path: PathLike) -> Tuple[List[str], List[str]]:
    """Read a FASTA file.

    Parameters
    ----------
    path: str or Path
        A FASTA file, plain or gzip-compressed (detected from the content, not the name).
        Sequences may span several lines, be in any case and contain N.

    Returns
    -------
    ids: list of str
        Record ids (the header up to the first whitespace), unique.
    seqs: list of str
        Sequences in upper case.

    Raises
    ------
    InputError
        The file is missing, unreadable, empty, not FASTA, has duplicate ids or
        characters other than A/C/G/T/N.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: FASTA file not found")

    ids: List[str] = []
    chunks: List[List[bytes]] = []
    try:
        with _open_text(path) as fh:
            for lineno, raw in enumerate(fh, start=1):
                line = raw.strip()
                if not line:
                    continue
                if line.startswith(b">"):
                    name = line[1:].split(maxsplit=1)
                    if not name:
                        raise InputError(f"{path}: line {lineno}: FASTA header without an id")
                    ids.append(name[0].decode("utf-8", errors="replace"))
                    chunks.append([])
                elif not ids:
                    raise InputError(f"{path}: not a FASTA file (line {lineno} precedes any '>' header)")
                else:
                    if not _VALID.match(line):
                        bad = sorted(set(line.decode("latin-1")) - set("ACGTNacgtn"))
                        raise InputError(
                            f"{path}: record '{ids[-1]}' has characters other than A/C/G/T/N: "
                            f"{''.join(bad[:10])!r}"
                        )
                    chunks[-1].append(line)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot read FASTA ({exc})") from None
    if not ids:
        raise InputError(f"{path}: no FASTA records")
    if len(set(ids)) != len(ids):
        seen, dups = set(), []
        for i in ids:
            if i in seen:
                dups.append(i)
            seen.add(i)
        raise InputError(f"{path}: duplicate record ids, e.g. {dups[:3]}")
    seqs = [b"".join(c).upper().decode("ascii") for c in chunks]
    return ids, seqs


def write_fasta(path: PathLike, ids: Sequence[str], seqs: Sequence[str], width: int = 0) -> None:
    """Write records to ``path`` atomically; gzip when the name ends in ``.gz``.

    The gzip header carries no time stamp and no file name, so the same records
    give the same bytes. ``width`` > 0 wraps sequence lines at that many bases.
    """
    if len(ids) != len(seqs):
        raise ValueError("ids and seqs differ in length")
    buf = io.StringIO()
    for name, seq in zip(ids, seqs):
        buf.write(f">{name}\n")
        if width and width > 0:
            for i in range(0, len(seq), width):
                buf.write(seq[i:i + width] + "\n")
        else:
            buf.write(seq + "\n")
    data = buf.getvalue().encode("ascii")
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.name.endswith(".gz"):
            with open(tmp, "wb") as raw, gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6
            ) as gz:
                gz.write(data)
        else:
            tmp.write_bytes(data)
