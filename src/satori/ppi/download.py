"""Download a PPI database release into the cache (requests: timeout, retries, atomic write).

The file lands in ``cache_dir`` under the URL's file name only when it arrived whole
(its length equals ``Content-Length`` when the server sends one); a sidecar
``<file>.satori.json`` records the URL, the date, the size and the sha256. A cached
file with its sidecar is reused unless ``refresh``. Any failure raises ``InputError``
pointing to ``--ppi`` (download by hand), and leaves no partial file in the cache.
"""

import hashlib
import json
import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Tuple, Union
from urllib.parse import urlparse

from satori import __version__, formats
from satori.atomic import atomic_path, write_text
from satori.errors import InputError

log = logging.getLogger("satori")

PathLike = Union[str, os.PathLike]

HIPPIE_URL = "http://cbdm-01.zdv.uni-mainz.de/~mschaefer/hippie/HIPPIE-current.mitab.txt"


class _Incomplete(Exception):
    """The body ended before Content-Length bytes."""


def _file_name(url: str) -> str:
    name = os.path.basename(urlparse(url).path) or "download"
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


def sha256_file(path: PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def download(
    url: str,
    cache_dir: PathLike,
    timeout: float = 60.0,
    retries: int = 3,
    refresh: bool = False,
    backoff: float = 1.0,
) -> Tuple[Path, dict]:
    """Fetch ``url`` into ``cache_dir`` (or reuse the cached copy).

    Parameters
    ----------
    url: str
    cache_dir: path — created if needed
    timeout: float — seconds to connect and between bytes received
    retries: int — attempts in all (>= 1); connection errors, time-outs, truncated
        bodies and HTTP 5xx are retried after ``backoff * attempt`` seconds; 4xx is not
    refresh: bool — download even when a cached copy exists

    Returns
    -------
    path: Path — the cached file
    meta: dict — ``url``, ``date`` (UTC, ISO 8601), ``bytes``, ``sha256``, ``cached``
    """
    import requests

    if retries < 1:
        raise InputError(f"--retries must be >= 1, got {retries}")
    cache_dir = Path(cache_dir)
    target = cache_dir / _file_name(url)
    meta_path = Path(str(target) + formats.DOWNLOAD_META_SUFFIX)
    if target.is_file() and meta_path.is_file() and not refresh:
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
        if meta and meta.get("url") == url:
            log.info("using cached %s (downloaded %s)", target, meta.get("date"))
            return target, dict(meta, cached=True)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--cache-dir {cache_dir}: cannot create ({exc})") from None

    hint = "download the file by hand and pass it with --ppi FILE"
    last = "no attempt made"
    for attempt in range(1, retries + 1):
        try:
            log.info("downloading %s (attempt %d/%d)", url, attempt, retries)
            with requests.get(url, stream=True, timeout=timeout, headers={"Accept-Encoding": "identity",
                                                                         "User-Agent": f"satori/{__version__}"}) as resp:
                if 400 <= resp.status_code < 500:
                    raise InputError(f"--download: {url} answered HTTP {resp.status_code} {resp.reason}; {hint}")
                if resp.status_code >= 500:
                    raise requests.HTTPError(f"HTTP {resp.status_code} {resp.reason}")
                expected = resp.headers.get("Content-Length")
                encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
                sha = hashlib.sha256()
                size = 0
                with atomic_path(target) as tmp:
                    with open(tmp, "wb") as fh:
                        for block in resp.iter_content(chunk_size=1 << 20):
                            fh.write(block)
                            sha.update(block)
                            size += len(block)
                    if expected is not None and not encoded and size != int(expected):
                        raise _Incomplete(f"received {size} of {expected} bytes")
                    if size == 0:
                        raise _Incomplete("empty body")
            meta = {
                "url": url, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "bytes": size,
                "sha256": sha.hexdigest(), "last_modified": resp.headers.get("Last-Modified"),
            }
            write_text(meta_path, json.dumps(meta, indent=2) + "\n")
            return target, dict(meta, cached=False)
        except InputError:
            raise
        except (requests.RequestException, _Incomplete, OSError) as exc:
            last = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if attempt < retries and backoff > 0:
                time.sleep(backoff * attempt)
    raise InputError(f"--download: could not fetch {url} after {retries} attempt(s) ({last}); {hint}")
