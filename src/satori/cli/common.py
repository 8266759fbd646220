"""The shared command-line convention of every ``satori-<step>`` tool.

Each tool declares its options as a dataclass (argparse-dataclass) and calls
``run_cli(prog, Options, run, description)``. This module provides:

- ``--help`` with every default shown, ``--version`` (one line: ``satori-<step> X.Y.Z``);
- logging to stderr (``--log-level``), results to files;
- ``--seed`` (seeds Python, NumPy and torch) and ``--threads`` (torch intra-op threads),
  applied before the step runs, when the options have them (``CommonOptions``; a tool
  with nothing to seed or thread subclasses ``LogOptions`` instead);
- the output and model paths checked before any work (``check_paths``): ``--outdir``
  must be a directory or creatable as one, ``--model`` an existing directory;
- ``resolve_device`` for ``--device auto|cpu|cuda[:N]|mps``;
- bad input (``InputError``) reported as one line ``satori-<step>: error: ...`` on
  stderr with exit status 2 and no traceback.

Note: modules that declare option dataclasses must not use ``from __future__ import
annotations`` and must write ``Optional[int]`` rather than ``int | None``;
argparse-dataclass reads the annotations as real types.
"""

import argparse
import dataclasses
import logging
import os
import random
import sys
from dataclasses import MISSING, dataclass, field
from typing import Callable, List, Optional, Sequence, Type, TypeVar

from argparse_dataclass import ArgumentParser

from satori import __version__
from satori.errors import InputError

log = logging.getLogger("satori")

T = TypeVar("T")


def opt(default=MISSING, help: str = "", **metadata):
    """A dataclass field with a help text (shorthand for ``field(metadata=...)``)."""
    metadata = dict(metadata, help=help)
    if default is MISSING:
        return field(metadata=metadata)
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(kw_only=True)
class LogOptions:
    """The option every tool has (``--log-level``): the base of tools with nothing random
    and no torch work, which therefore offer no ``--seed``/``--threads``."""

    log_level: str = opt("INFO", "logging level on stderr", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


@dataclass(kw_only=True)
class CommonOptions:
    """Options of every tool that draws random numbers or runs torch; tools inherit from it
    (``@dataclass(kw_only=True)``)."""

    seed: int = opt(0, "random seed (Python, NumPy, torch); same seed, same outputs")
    threads: int = opt(0, "CPU threads for torch (0 = torch's default)")
    log_level: str = opt("INFO", "logging level on stderr", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


@dataclass(kw_only=True)
class DeviceOptions:
    """Mixin for tools that run a model: ``--device``."""

    device: str = opt("auto", "compute device: auto, cpu, cuda, cuda:N or mps (auto = cuda if available)")


def build_parser(prog: str, options: Type[T], description: str = "") -> ArgumentParser:
    """The argparse parser of a tool: dataclass options, defaults in help, ``--version``."""
    parser = ArgumentParser(
        options,
        prog=prog,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    defaults = {}
    for f in dataclasses.fields(options):
        if f.default is not MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not MISSING:  # type: ignore[misc]
            defaults[f.name] = f.default_factory()  # type: ignore[misc]
    for action in parser._actions:
        if action.dest not in defaults:
            continue
        d = defaults[action.dest]
        text = action.help or ""
        # a help text that states its own default ("(default: bundled JASPAR)") keeps it;
        # flags (bool) and empty defaults ("" = not given, [] = none) show none
        if "default:" in text.lower() or "%(default)" in text or isinstance(d, bool) or d == "" or d == []:
            action.help = text.replace("%", "%%") if "%(default)" not in text else text
            continue
        shown = "none" if d is None else d
        action.help = (f"{text} (default: {shown})" if text else f"(default: {shown})").replace("%", "%%")
    parser.add_argument("--version", action="version", version=f"{prog} {__version__}")
    return parser


def check_outdir(path, flag: str = "--outdir") -> None:
    """Raise ``InputError`` unless ``path`` is a directory or can be created as one.

    Checked before any work, so a run that would fail at its end on an output path
    that is a file (or lies under a file, or in a read-only place) fails at once.
    """
    from pathlib import Path

    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise InputError(f"{flag} {path}: exists and is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise InputError(f"{flag} {path}: directory is not writable")
        return
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{flag} {path}: cannot be created ({parent} is not a directory)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{flag} {path}: cannot be created ({parent} is not writable)")


def check_model_dir(path, flag: str = "--model") -> None:
    """Raise ``InputError`` unless ``path`` is an existing directory (what is in it, the
    model loader checks)."""
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        raise InputError(f"{flag} {path}: does not exist")
    if not path.is_dir():
        raise InputError(f"{flag} {path}: is not a directory (a model directory holds config.json and model.pt)")


def check_paths(opts) -> None:
    """The path checks every tool gets before its work starts: ``--outdir`` (when given)
    is or can become a directory, ``--model`` (when the tool has it) is a directory."""
    outdir = getattr(opts, "outdir", None)
    if outdir:
        check_outdir(outdir)
    model = getattr(opts, "model", None)
    if model:
        check_model_dir(model)


def setup_logging(prog: str, level: str = "INFO") -> None:
    """Log to stderr as ``HH:MM:SS <prog> LEVEL message`` (replacing earlier handlers)."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format=f"%(asctime)s {prog} %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
        force=True,
    )


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and, when the tool has imported it, torch (CPU and CUDA)."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed % (2**32))
    # Seed torch only where the tool uses it: importing torch costs seconds of start-up
    # in tools that never touch it (prepare-dhs, hippie-lookup, evaluate).
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def resolve_device(name: str):
    """Turn ``auto|cpu|cuda|cuda:N|mps`` into a ``torch.device``, checking it exists."""
    import torch

    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise InputError("--device mps: MPS is not available on this machine")
        return torch.device("mps")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise InputError(f"--device {name}: CUDA is not available on this machine (use --device cpu or auto)")
        if ":" in name:
            idx = name.split(":", 1)[1]
            if not idx.isdigit():
                raise InputError(f"--device {name}: expected cuda:N with N a GPU index")
            if int(idx) >= torch.cuda.device_count():
                raise InputError(f"--device {name}: only {torch.cuda.device_count()} GPU(s) visible")
        return torch.device(name)
    raise InputError(f"--device {name}: unknown device (use auto, cpu, cuda, cuda:N or mps)")


def run_cli(
    prog: str,
    options: Type[T],
    run: Callable[[T], Optional[int]],
    description: str = "",
    argv: Optional[Sequence[str]] = None,
) -> int:
    """Parse ``argv`` into ``options``, set up logging/seed/threads, call ``run(opts)``.

    ``check_paths`` runs first, so a bad ``--outdir``/``--model`` is reported before any
    work. Returns the exit status: ``run``'s return value (None = 0), 2 for ``InputError``
    (one line on stderr, no traceback), 130 on Ctrl-C.
    """
    parser = build_parser(prog, options, description)
    opts = parser.parse_args(list(argv) if argv is not None else None)
    setup_logging(prog, getattr(opts, "log_level", "INFO"))
    try:
        check_paths(opts)
        if hasattr(opts, "threads") and opts.threads and opts.threads > 0:
            import torch

            torch.set_num_threads(opts.threads)
        if hasattr(opts, "seed"):
            seed_everything(opts.seed)
        status = run(opts)
        return int(status or 0)
    except InputError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def options_dict(opts) -> dict:
    """The resolved options of a run as a JSON-ready dict (saved next to outputs)."""
    out = {}
    for f in dataclasses.fields(opts):
        v = getattr(opts, f.name)
        out[f.name] = str(v) if isinstance(v, os.PathLike) else v
    return out


def params_json(prog: str, opts, **extra) -> str:
    """The text of a step's ``params.json``: tool, satori version, resolved options, extras.

    ``extra`` holds run facts worth keeping next to the outputs (counts, the computed
    attention cutoff, timings...). Values must be JSON-serialisable.
    """
    import json

    doc = {"tool": prog, "satori_version": __version__, "options": options_dict(opts)}
    doc.update(extra)
    return json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n"
