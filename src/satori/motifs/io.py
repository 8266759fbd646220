"""Motif files: MEME minimal format (read and write).

A motif is a position probability matrix ``pwm`` of shape (width, 4), columns in
A, C, G, T order, each row summing to 1.
"""

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np

from satori.atomic import write_text
from satori.errors import InputError

PathLike = Union[str, os.PathLike]

UNIFORM = (0.25, 0.25, 0.25, 0.25)


@dataclass
class Motif:
    """One motif.

    id: str
        Unique identifier (e.g. a JASPAR matrix id ``MA0004.1`` or ``filter12``).
    name: str
        Human-readable name (the TF name for JASPAR motifs); may equal ``id``.
    pwm: np.ndarray, shape=(width, 4)
        Letter probabilities (A, C, G, T), rows sum to 1.
    nsites: int or None
        Number of sites the matrix was built from, when known.
    """

    id: str
    name: str
    pwm: np.ndarray
    nsites: Optional[int] = None
    meta: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.pwm.shape[0])


def log_odds(pwm: np.ndarray, background: Sequence[float] = UNIFORM, pseudocount: float = 1e-3) -> np.ndarray:
    """Log2-odds scoring matrix of a PWM against a background.

    pwm: np.ndarray, shape=(width, 4). background: 4 frequencies (A, C, G, T).
    Returns np.ndarray, shape=(width, 4), float64.
    """
    bg = np.asarray(background, dtype=np.float64)
    p = (np.asarray(pwm, dtype=np.float64) + pseudocount)
    p = p / p.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.log2(p / bg[None, :])


def information_content(pwm: np.ndarray) -> float:
    """Total information content (bits) of a PWM against a uniform background."""
    p = np.clip(np.asarray(pwm, dtype=np.float64), 1e-12, 1.0)
    return float((2.0 + (p * np.log2(p)).sum(axis=1)).sum())


_MOTIF_LINE = re.compile(r"^MOTIF\s+(\S+)(?:\s+(\S+))?")
_MATRIX_LINE = re.compile(r"^letter-probability matrix:(.*)$")


def read_meme(path: PathLike) -> List[Motif]:
    """Read every motif of a MEME-format file (MEME minimal format or full MEME output).

    Returns a list of ``Motif`` in file order. Raises ``InputError`` naming the file when
    it is missing, holds no motif, or a matrix is malformed (wrong column count, rows not
    summing to ~1, fewer rows than ``w=`` says).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: motif file not found")
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read motif file ({exc})") from None

    motifs: List[Motif] = []
    i = 0
    current = None
    while i < len(lines):
        line = lines[i].strip()
        m = _MOTIF_LINE.match(line)
        if m:
            current = (m.group(1), m.group(2) or m.group(1))
            i += 1
            continue
        mm = _MATRIX_LINE.match(line)
        if mm:
            if current is None:
                raise InputError(f"{path}: line {i + 1}: matrix without a MOTIF line")
            attrs = dict(re.findall(r"(\w+)=\s*(\S+)", mm.group(1)))
            width = int(float(attrs["w"])) if "w" in attrs else None
            nsites = int(float(attrs["nsites"])) if "nsites" in attrs else None
            rows = []
            i += 1
            while i < len(lines):
                row = lines[i].strip()
                if not row:
                    if width is None and rows:
                        break
                    i += 1
                    continue
                try:
                    values = [float(v) for v in row.split()]
                except ValueError:
                    break
                if len(values) != 4:
                    raise InputError(f"{path}: motif '{current[0]}' line {i + 1}: expected 4 columns, got {len(values)}")
                rows.append(values)
                i += 1
                if width is not None and len(rows) == width:
                    break
            if not rows or (width is not None and len(rows) != width):
                raise InputError(f"{path}: motif '{current[0]}': expected {width} matrix rows, found {len(rows)}")
            pwm = np.asarray(rows, dtype=np.float64)
            sums = pwm.sum(axis=1)
            if (pwm < 0).any() or not np.allclose(sums, 1.0, atol=0.02):
                raise InputError(f"{path}: motif '{current[0]}': matrix rows must be probabilities summing to 1")
            motifs.append(Motif(current[0], current[1], pwm / sums[:, None], nsites))
            current = None
            continue
        i += 1
    if not motifs:
        raise InputError(f"{path}: no motifs found (expected MEME format with 'MOTIF' and 'letter-probability matrix' lines)")
    ids = [m.id for m in motifs]
    if len(set(ids)) != len(ids):
        dup = next(x for x in ids if ids.count(x) > 1)
        raise InputError(f"{path}: duplicate motif id '{dup}'")
    return motifs


def format_meme(motifs: Sequence[Motif], background: Sequence[float] = UNIFORM) -> str:
    """Render motifs as a MEME minimal-format document (a string)."""
    buf = io.StringIO()
    buf.write("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n")
    buf.write("Background letter frequencies\n")
    buf.write(" ".join(f"{a} {f:.3f}" for a, f in zip("ACGT", background)) + "\n\n")
    for m in motifs:
        name = " " + "_".join(m.name.split()) if m.name and m.name != m.id else ""
        buf.write(f"MOTIF {m.id}{name}\n")
        nsites = m.nsites if m.nsites is not None else 20
        buf.write(f"letter-probability matrix: alength= 4 w= {m.width} nsites= {nsites} E= 0\n")
        for row in np.asarray(m.pwm, dtype=np.float64):
            buf.write(" " + " ".join(f"{v:.6f}" for v in row) + "\n")
        buf.write("\n")
    return buf.getvalue()


def write_meme(path: PathLike, motifs: Sequence[Motif], background: Sequence[float] = UNIFORM) -> None:
    """Write motifs to ``path`` atomically in MEME minimal format."""
    write_text(path, format_meme(motifs, background))


# --- JASPAR and PFM count matrices ---------------------------------------------------

_JASPAR_ROW = re.compile(r"^\s*([ACGTacgt])\s*\[([^\]]*)\]\s*$")


def _counts_to_motif(path: Path, motif_id: str, name: str, counts: np.ndarray) -> Motif:
    """A ``Motif`` from a count (or frequency) matrix of shape (4, width)."""
    if counts.ndim != 2 or counts.shape[0] != 4 or counts.shape[1] == 0:
        raise InputError(f"{path}: motif '{motif_id}': expected 4 rows of equal length (A, C, G, T)")
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise InputError(f"{path}: motif '{motif_id}': counts must be finite and non-negative")
    totals = counts.sum(axis=0)
    if (totals <= 0).any():
        raise InputError(f"{path}: motif '{motif_id}': a column has no counts")
    pwm = (counts / totals[None, :]).T  # (width, 4)
    nsites = int(round(float(totals.mean())))
    return Motif(motif_id, name or motif_id, pwm, nsites if totals.mean() > 1.5 else None)


def _read_lines(path: Path, what: str) -> List[str]:
    if not path.is_file():
        raise InputError(f"{path}: {what} file not found")
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what} file ({exc})") from None


def _header(line: str, default_id: str):
    fields = line[1:].split()
    if not fields:
        return default_id, default_id
    return fields[0], (" ".join(fields[1:]) or fields[0])


def read_jaspar(path: PathLike) -> List[Motif]:
    """Read a JASPAR-format count file (one or more matrices).

    Each matrix is a header ``>MA0004.1 Arnt`` followed by four rows
    ``A [ 4 19 0 ... ]`` (any order of A/C/G/T rows, brackets required).

    Returns a list of ``Motif`` (pwm shape (width, 4), rows normalised to 1, ``nsites``
    the mean column total). Raises ``InputError`` naming the file when it holds no
    matrix or a matrix is malformed.
    """
    path = Path(path)
    lines = _read_lines(path, "JASPAR motif")
    motifs: List[Motif] = []
    current = None
    rows: dict = {}

    def flush(lineno: int):
        if current is None:
            return
        if sorted(rows) != list("ACGT"):
            raise InputError(f"{path}: motif '{current[0]}' (before line {lineno}): expected rows A, C, G and T")
        lengths = {len(v) for v in rows.values()}
        if len(lengths) != 1:
            raise InputError(f"{path}: motif '{current[0]}': rows have different lengths")
        counts = np.array([rows[b] for b in "ACGT"], dtype=np.float64)
        motifs.append(_counts_to_motif(path, current[0], current[1], counts))

    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">"):
            flush(lineno)
            current = _header(line, f"motif{len(motifs) + 1}")
            rows = {}
            continue
        m = _JASPAR_ROW.match(line)
        if m is None or current is None:
            raise InputError(f"{path}: line {lineno}: not JASPAR format (expected '>ID NAME' or 'A [ counts ]')")
        try:
            rows[m.group(1).upper()] = [float(v) for v in m.group(2).split()]
        except ValueError:
            raise InputError(f"{path}: line {lineno}: counts must be numbers") from None
    flush(len(lines) + 1)
    if not motifs:
        raise InputError(f"{path}: no motifs found (expected JASPAR format: '>ID NAME' then rows 'A [ ... ]')")
    _check_unique(path, motifs)
    return motifs


def read_pfm(path: PathLike) -> List[Motif]:
    """Read a PFM count file: four whitespace-separated rows (A, C, G, T) per matrix.

    A matrix may be preceded by a header ``>ID NAME``; a file with a single matrix and
    no header takes its id from the file name. Returns a list of ``Motif``.
    """
    path = Path(path)
    lines = _read_lines(path, "PFM motif")
    blocks = []  # (id, name, rows)
    current = None
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(">"):
            current = [*_header(line, f"motif{len(blocks) + 1}"), []]
            blocks.append(current)
            continue
        if current is None:
            current = [path.stem, path.stem, []]
            blocks.append(current)
        try:
            current[2].append([float(v) for v in line.split()])
        except ValueError:
            raise InputError(f"{path}: line {lineno}: not PFM format (expected rows of counts)") from None
    motifs = []
    for motif_id, name, rows in blocks:
        if len(rows) != 4 or len({len(r) for r in rows}) != 1:
            raise InputError(f"{path}: motif '{motif_id}': expected 4 rows (A, C, G, T) of equal length")
        motifs.append(_counts_to_motif(path, motif_id, name, np.asarray(rows, dtype=np.float64)))
    if not motifs:
        raise InputError(f"{path}: no motifs found (expected PFM format: 4 rows of counts)")
    _check_unique(path, motifs)
    return motifs


def _check_unique(path: Path, motifs: Sequence[Motif]) -> None:
    ids = [m.id for m in motifs]
    if len(set(ids)) != len(ids):
        dup = next(x for x in ids if ids.count(x) > 1)
        raise InputError(f"{path}: duplicate motif id '{dup}'")


def read_motifs(path: PathLike) -> List[Motif]:
    """Read a motif database in MEME, JASPAR (``.jaspar``) or PFM (``.pfm``) format.

    The format comes from the file name (``.meme``/``.txt`` MEME, ``.jaspar``,
    ``.pfm``) or, for other names, from the content (a ``MOTIF`` line means MEME,
    ``[`` brackets JASPAR, else PFM). Raises ``InputError`` when the file does not parse.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jaspar":
        return read_jaspar(path)
    if suffix == ".pfm":
        return read_pfm(path)
    if suffix in (".meme", ".txt"):
        return read_meme(path)
    lines = _read_lines(path, "motif")
    text = "\n".join(lines[:2000])
    if re.search(r"^MOTIF\s", text, flags=re.M):
        return read_meme(path)
    if "[" in text:
        return read_jaspar(path)
    return read_pfm(path)
