"""The user cache directory of satori (downloads, FASTA indexes of read-only genomes).

``$SATORI_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/satori``, else ``~/.cache/satori``.
"""

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache directory (or a sub-directory of it); not created here."""
    root = os.environ.get("SATORI_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "satori")
    return Path(root).joinpath(*parts)
