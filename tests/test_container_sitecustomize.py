"""containers/sitecustomize.py: a read-only NUMBA_CACHE_DIR is replaced by a writable copy."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "containers" / "sitecustomize.py"


def _load():
    spec = importlib.util.spec_from_file_location("satori_sitecustomize", SITE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_writable_cache_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    assert _load()._satori_relocate_numba_cache() == str(tmp_path / "cache")
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "cache")


def test_read_only_cache_is_copied_once(tmp_path, monkeypatch):
    src = tmp_path / "image-cache"
    (src / "memelite").mkdir(parents=True)
    (src / "memelite" / "tomtom._tomtom-1.py311.nbi").write_bytes(b"index")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(src))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    module = _load()
    module._tempfile.tempdir = None  # re-read TMPDIR
    read_only = lambda path: path != str(src) and module._satori_writable(path)  # noqa: E731
    dst = module._satori_relocate_numba_cache(writable=read_only)
    assert dst == str(tmp_path / "tmp" / f"satori-numba-{os.getuid()}")
    assert os.environ["NUMBA_CACHE_DIR"] == dst
    assert (Path(dst) / "memelite" / "tomtom._tomtom-1.py311.nbi").read_bytes() == b"index"
    # a second task finds the copy and reuses it
    (Path(dst) / "marker").write_text("kept")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(src))
    assert module._satori_relocate_numba_cache(writable=read_only) == dst
    assert (Path(dst) / "marker").read_text() == "kept"
    assert [p.name for p in (tmp_path / "tmp").iterdir()] == [Path(dst).name]  # no leftover staging dirs


def test_runs_at_python_start_up(tmp_path):
    """As the image installs it: on sys.path as sitecustomize, with an uncreatable cache dir."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "sitecustomize.py").write_text(SITE.read_text())
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, PYTHONPATH=str(site_dir), NUMBA_CACHE_DIR="/proc/satori-not-creatable", TMPDIR=str(tmp_path / "tmp"))
    out = subprocess.run([sys.executable, "-c", "import os; print(os.environ['NUMBA_CACHE_DIR'])"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(tmp_path / "tmp" / f"satori-numba-{os.getuid()}")
