"""Where numba keeps compiled code: a persistent cache, so compilation happens once.

memelite (TomTom), tangermeme (shuffles) and our pair-scoring kernel are numba code
compiled on first use; numba caches it in ``NUMBA_CACHE_DIR``. If that variable is
unset, ``ensure_numba_cache_dir`` sets it to ``$XDG_CACHE_HOME/satori/numba``
(default ``~/.cache/satori/numba``) and makes an already imported numba re-read it.
It must run before the module defining the numba functions is imported (a function
picks its cache location when it is decorated).
"""

import os
import sys
from pathlib import Path


def default_numba_cache_dir() -> str:
    """``$XDG_CACHE_HOME/satori/numba`` (or ``~/.cache/satori/numba``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "satori", "numba")


def ensure_numba_cache_dir() -> str:
    """Make numba cache compiled code in a persistent directory; return it ("" if none).

    Keeps a user's ``NUMBA_CACHE_DIR``; otherwise sets it to ``default_numba_cache_dir()``
    when that directory can be created (else numba keeps its own fallbacks).
    """
    current = os.environ.get("NUMBA_CACHE_DIR")
    if current:
        return current
    path = default_numba_cache_dir()
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError:
        return ""
    os.environ["NUMBA_CACHE_DIR"] = path
    if "numba" in sys.modules:
        from numba.core import config

        config.reload_config()
    return path
