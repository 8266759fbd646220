"""satori images: keep numba's precompiled cache usable when the image is read-only.

numba uses NUMBA_CACHE_DIR only if it can write there. Singularity/Apptainer images are
read-only, and Nextflow does not mount the home directory into them, so numba would find no
writable cache location at all and memelite's import would fail ("cannot cache function
...: no locator available"). Python runs this file at start-up (it is appended to the
image's site-packages/sitecustomize.py): when NUMBA_CACHE_DIR is not writable, its
precompiled contents are copied once to a writable temporary directory (one per user and
machine, shared by the tasks that run there) and NUMBA_CACHE_DIR points there instead.
Under Docker the directory is writable and nothing happens.
"""

import os as _os
import shutil as _shutil
import tempfile as _tempfile


def _satori_writable(path):
    try:
        _os.makedirs(path, exist_ok=True)
        with _tempfile.TemporaryFile(dir=path):
            pass
        return True
    except OSError:
        return False


def _satori_relocate_numba_cache(writable=_satori_writable):
    """Point NUMBA_CACHE_DIR at a writable copy of itself if it is not writable; return the dir used."""
    src = _os.environ.get("NUMBA_CACHE_DIR")
    if not src or writable(src):
        return src
    dst = _os.path.join(_tempfile.gettempdir(), "satori-numba-%d" % _os.getuid())
    if not _os.path.isdir(dst):
        tmp = _tempfile.mkdtemp(prefix=".satori-numba-", dir=_os.path.dirname(dst))
        try:
            if _os.path.isdir(src):
                _shutil.copytree(src, tmp, dirs_exist_ok=True)
            _os.rename(tmp, dst)  # atomic: a task that got there first keeps its copy
        except OSError:
            _shutil.rmtree(tmp, ignore_errors=True)
    if writable(dst):
        _os.environ["NUMBA_CACHE_DIR"] = dst
        return dst
    return src


try:
    _satori_relocate_numba_cache()
except Exception:  # never stop Python from starting
    pass
