"""Atomic outputs: a failed step leaves no half-written file behind.

Two helpers, used by every writer in the package:

- ``atomic_path(path)`` yields a temporary path next to ``path``; on success the
  temporary file is renamed over ``path`` (``os.replace`` is atomic on POSIX), on
  error it is removed.
- ``staged_outdir(outdir)`` stages a whole step's outputs: files are written into a
  hidden directory inside ``outdir`` and moved into place only when the step succeeds,
  so a step that fails half-way leaves ``outdir`` as it found it.
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Union

PathLike = Union[str, os.PathLike]

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path in the same directory; rename it to ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    # mkstemp creates 0600 files; give the output the permissions a plain open() would.
    os.chmod(tmp, 0o666 & ~_UMASK)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def staged_outdir(outdir: PathLike) -> Iterator[Path]:
    """Yield a staging directory whose files are moved into ``outdir`` on success.

    Files (and sub-directories) written under the yielded directory appear in
    ``outdir`` only if the ``with`` block finishes without an exception. Existing
    files of the same name in ``outdir`` are replaced; other files are left alone.
    """
    outdir = Path(outdir)
    created = not outdir.exists()
    outdir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".satori-stage-", dir=outdir))
    try:
        yield stage
        for item in sorted(stage.rglob("*")):
            if item.is_dir():
                continue
            target = outdir / item.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(item, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if created:
            shutil.rmtree(outdir, ignore_errors=True)
        raise
    shutil.rmtree(stage, ignore_errors=True)
