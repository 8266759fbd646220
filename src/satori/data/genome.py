"""Indexed genome access (pyfaidx) and chromosome-name reconciliation.

The genome is a FASTA file, plain or bgzip-compressed, read through its ``.fai`` index
(built if missing). When the index is missing and the genome's directory is read-only,
the index is built in the satori cache (``satori.cache.cache_dir("faidx")``) instead.

Chromosome names: ``chr1`` and ``1`` (and ``chrM``/``MT``) name the same chromosome.
Peaks and annotations are mapped onto the genome's own names; see ``chrom_key`` and
``map_chroms``.
"""

import gzip
import hashlib
import logging
import os
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple, Union

import numpy as np

from satori.cache import cache_dir
from satori.errors import InputError

log = logging.getLogger("satori")

PathLike = Union[str, os.PathLike]

# Bytes other than A/C/G/T/N (IUPAC codes such as R or Y, which some assemblies contain)
# become N, so the sequences stay readable by satori.data.fasta and count as unknown.
_TO_ACGTN = bytes(c if chr(c) in "ACGTN" else ord("N") for c in range(256))


def chrom_key(name: str) -> str:
    """The comparison key of a chromosome name: no ``chr`` prefix, ``M`` for ``MT``/``chrM``."""
    key = name[3:] if name[:3].lower() == "chr" else name
    if key.upper() in ("M", "MT"):
        return "M"
    return key


def map_chroms(names: Iterable[str], genome_names: Sequence[str]) -> Dict[str, str]:
    """Map each name in ``names`` onto a genome chromosome name, where one exists.

    An exact match wins; otherwise names are compared by ``chrom_key`` (so ``chr1`` in a
    BED file maps to ``1`` in an Ensembl genome). Names without a counterpart are absent
    from the returned dict.
    """
    exact = set(genome_names)
    by_key: Dict[str, str] = {}
    for g in genome_names:
        by_key.setdefault(chrom_key(g), g)
    out = {}
    for n in set(names):
        if n in exact:
            out[n] = n
        elif chrom_key(n) in by_key:
            out[n] = by_key[chrom_key(n)]
    return out


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _writable_dir(path: Path) -> bool:
    return os.access(path.parent, os.W_OK | os.X_OK)


class Genome:
    """A FASTA genome with random access by coordinates.

    Parameters
    ----------
    path: str or Path
        FASTA file, plain or bgzip (``.gz`` made by ``bgzip``; plain gzip cannot be indexed).

    Attributes
    ----------
    path: Path
    sizes: dict of str -> int
        Chromosome lengths, in the order of the FASTA file.
    """

    def __init__(self, path: PathLike):
        import pyfaidx

        path = Path(path)
        if not path.is_file():
            raise InputError(f"--genome {path}: file not found")
        self.path = path
        gz = _is_gzip(path)
        kwargs = {}
        fai = Path(str(path) + ".fai")
        gzi = Path(str(path) + ".gzi")
        stale = fai.exists() and fai.stat().st_mtime < path.stat().st_mtime
        if (not fai.exists() or stale or (gz and not gzi.exists())) and not _writable_dir(path):
            # Read-only genome directory: keep the index in the user cache instead.
            st = path.stat()
            tag = hashlib.sha1(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:16]
            where = cache_dir("faidx")
            where.mkdir(parents=True, exist_ok=True)
            kwargs["indexname"] = str(where / f"{tag}-{path.name}.fai")
            if gz:
                kwargs["gzi_indexname"] = str(where / f"{tag}-{path.name}.gzi")
            log.info("genome directory is read-only: FASTA index kept in %s", where)
        try:
            self._fa = pyfaidx.Fasta(
                str(path), as_raw=True, sequence_always_upper=True, rebuild=True, **kwargs
            )
        except pyfaidx.UnsupportedCompressionFormat:
            raise InputError(
                f"--genome {path}: gzip-compressed but not with bgzip; decompress it or recompress it with `bgzip`"
            ) from None
        except ImportError:
            raise InputError(f"--genome {path}: reading a bgzip genome needs biopython (pip install biopython)") from None
        except (pyfaidx.FastaIndexingError, OSError, ValueError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"--genome {path}: cannot index the FASTA ({str(exc).splitlines()[0]})") from None
        self.sizes: Dict[str, int] = {name: len(rec) for name, rec in self._fa.faidx.index.items()}
        if not self.sizes:
            raise InputError(f"--genome {path}: no sequences in the FASTA file")

    @property
    def names(self) -> List[str]:
        return list(self.sizes)

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """The sequence of ``chrom:[start, end)`` (0-based half-open), upper case, A/C/G/T/N."""
        seq = self._fa.faidx.fetch(chrom, int(start) + 1, int(end))
        return seq.encode("ascii", errors="replace").translate(_TO_ACGTN).decode("ascii")

    def fetch_many(
        self, chroms: Sequence[str], starts: Sequence[int], ends: Sequence[int]
    ) -> Tuple[List[str], np.ndarray]:
        """Sequences of many intervals and their fraction of N.

        Returns
        -------
        seqs: list of str, one per interval
        n_frac: np.ndarray, shape=(n,), float64 — fraction of N in each sequence
        """
        seqs = [self.fetch(c, s, e) for c, s, e in zip(chroms, starts, ends)]
        n_frac = np.fromiter(
            (s.count("N") / len(s) if s else 1.0 for s in seqs), dtype=np.float64, count=len(seqs)
        )
        return seqs, n_frac

    def close(self) -> None:
        self._fa.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
