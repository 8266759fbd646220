"""The training checkpoint (``checkpoint.pt``): everything needed to continue a run.

Written atomically after every epoch, so a killed training loses at most the epoch in
progress. It holds only tensors and plain Python values (dicts, lists, str, numbers,
None), so it loads with ``torch.load(..., weights_only=True)``; the random number
generator states of Python and NumPy are therefore stored as integer tensors, not as
the objects their libraries return.

Keys: ``format``, ``satori_version``, ``model_config`` (dict), ``settings`` (the
training settings that must not change on resume), ``data_fingerprint``, ``epoch``
(epochs finished), ``model`` and ``best_model`` (state dicts), ``optimizer``,
``scaler`` (fp16 loss scaler or None), ``best_loss``, ``best_epoch``, ``bad_epochs``
(epochs since the last improvement), ``history`` (list of per-epoch dicts), ``rng``.
"""

import os
import random
from pathlib import Path
from typing import Union

import numpy as np
import torch

from satori import __version__, formats
from satori.atomic import atomic_path
from satori.errors import InputError

PathLike = Union[str, os.PathLike]

CHECKPOINT_FORMAT = 1


def capture_rng(data_generator: torch.Generator) -> dict:
    """The state of every random number generator training uses, as tensors.

    ``data_generator`` draws the epoch permutations; the global torch generator drives
    dropout; Python's and NumPy's global generators are saved too so that code outside
    the loop that uses them continues identically.
    """
    py_version, py_state, py_gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    state = {
        "data": data_generator.get_state(),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else [],
        "python": {"version": int(py_version), "state": torch.tensor(py_state, dtype=torch.int64), "gauss": py_gauss},
        "numpy": {
            "name": str(np_name),
            "keys": torch.from_numpy(np.asarray(np_keys, dtype=np.int64)),
            "pos": int(np_pos),
            "has_gauss": int(np_has_gauss),
            "gauss": float(np_gauss),
        },
    }
    return state


def restore_rng(state: dict, data_generator: torch.Generator) -> None:
    """Put every generator back in the state recorded by ``capture_rng``."""
    data_generator.set_state(state["data"])
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])
    py = state["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    nps = state["numpy"]
    np.random.set_state(
        (nps["name"], nps["keys"].numpy().astype(np.uint32), nps["pos"], nps["has_gauss"], nps["gauss"])
    )


def save_checkpoint(path: PathLike, checkpoint: dict) -> None:
    """Write a checkpoint dict atomically (``format`` and ``satori_version`` added)."""
    payload = dict(checkpoint, format=CHECKPOINT_FORMAT, satori_version=__version__)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(run_dir: PathLike) -> dict:
    """Read and check ``checkpoint.pt`` of a training directory (``weights_only=True``).

    Raises InputError when the file is missing or unreadable, or was written by another
    checkpoint format or another satori version (a run continued by different code is
    not reproducible).
    """
    run_dir = Path(run_dir)
    path = run_dir / formats.CHECKPOINT_PT
    if not run_dir.is_dir():
        raise InputError(f"--resume {run_dir}: directory not found")
    if not path.is_file():
        raise InputError(f"--resume {run_dir}: no {formats.CHECKPOINT_PT} (not a satori-train directory)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated file, pickled objects, not a torch file
        raise InputError(f"{path}: cannot load checkpoint ({str(exc).splitlines()[0]})") from None
    if not isinstance(ckpt, dict):
        raise InputError(f"{path}: not a satori-train checkpoint")
    fmt, version = ckpt.get("format"), ckpt.get("satori_version")
    if fmt != CHECKPOINT_FORMAT:
        raise InputError(
            f"{path}: checkpoint format {fmt!r} is not supported by satori {__version__} "
            f"(expected {CHECKPOINT_FORMAT}); start a new training run"
        )
    if version != __version__:
        raise InputError(
            f"{path}: checkpoint written by satori {version}, this is satori {__version__}; "
            "resume it with that version or start a new training run"
        )
    return ckpt


def _differences(saved: dict, current: dict) -> list:
    keys = sorted(set(saved) | set(current))
    return [f"{k}={saved.get(k)!r} (now {current.get(k)!r})" for k in keys if saved.get(k) != current.get(k)]


def check_resumable(ckpt: dict, model_config: dict, settings: dict, data_fingerprint: str, where: str) -> None:
    """Check that a checkpoint continues the same run: architecture, settings, data.

    ``settings`` holds only the training settings that must not change on resume (not
    ``max_epochs``, ``patience``, ``amp``). Raises InputError naming the differences.
    """
    diff = _differences(ckpt.get("model_config", {}), model_config)
    if diff:
        raise InputError(
            f"--resume {where}: the checkpoint has a different architecture: {'; '.join(diff[:4])}; "
            "repeat the original run's options"
        )
    diff = _differences(ckpt.get("settings", {}), settings)
    if diff:
        raise InputError(
            f"--resume {where}: the checkpoint was trained with other settings: {'; '.join(diff[:4])}; "
            "repeat the original run's options (only --max-epochs, --patience, --amp, --device may change)"
        )
    if ckpt.get("data_fingerprint") != data_fingerprint:
        raise InputError(
            f"--resume {where}: the sequences, labels or splits differ from those the checkpoint was trained on"
        )
