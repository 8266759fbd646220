"""The one batching helper: compact host data in, device batches through, results out.

Every step that runs a model over many sequences (training evaluation, interpret-raw,
interpret-attr, DFIM, filter-motifs) goes through ``predict`` so that data stays as a
uint8 one-hot array on the host and only one batch at a time is upcast and moved to
the device.
"""

from typing import Callable, Iterator, Optional, Union

import numpy as np
import torch
from tqdm.auto import tqdm

ArrayLike = Union[np.ndarray, torch.Tensor]


def batch_slices(n: int, batch_size: int) -> Iterator[slice]:
    """Consecutive slices covering ``range(n)`` in steps of ``batch_size``."""
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def to_device_batch(X: ArrayLike, index, device: torch.device, dtype=torch.float32) -> torch.Tensor:
    """Select ``X[index]`` (uint8 or float, numpy or torch) as a float tensor on ``device``.

    X: shape=(n, 4, length). ``index`` is a slice or an integer index array.
    Returns shape=(batch, 4, length), ``dtype``.
    """
    xb = X[index]
    if isinstance(xb, np.ndarray):
        xb = torch.from_numpy(np.ascontiguousarray(xb))
    return xb.to(device=device, non_blocking=True).to(dtype)


def _to_host(out):
    if isinstance(out, torch.Tensor):
        return out.detach().cpu()
    if isinstance(out, (tuple, list)):
        return type(out)(_to_host(o) for o in out)
    if isinstance(out, dict):
        return {k: _to_host(v) for k, v in out.items()}
    return out


def _concat(chunks):
    first = chunks[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(chunks, dim=0)
    if isinstance(first, (tuple, list)):
        return type(first)(_concat([c[i] for c in chunks]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat([c[k] for c in chunks]) for k in first}
    return chunks


def predict(
    model: torch.nn.Module,
    X: ArrayLike,
    batch_size: int = 256,
    device: Union[str, torch.device] = "cpu",
    func: Optional[Callable] = None,
    reduce: Optional[Callable] = None,
    verbose: bool = False,
    desc: str = "predict",
):
    """Run ``func(model, batch)`` over ``X`` in batches, without gradients, in eval mode.

    Parameters
    ----------
    model: torch.nn.Module
        Moved to ``device``; its train/eval mode is restored afterwards.
    X: np.ndarray or torch.Tensor, shape=(n, 4, length)
        One-hot sequences, typically uint8 on the host.
    batch_size: int
        Sequences per batch. Default 256.
    device: str or torch.device
        Where the model runs.
    func: callable or None
        ``func(model, xb) -> tensor | tuple | dict`` with xb float, shape=(b, 4, length)
        on ``device``. Default ``model(xb)``.
    reduce: callable or None
        If given, each batch's output is passed to ``reduce(out, index_slice)`` on the
        device instead of being collected (for outputs too large to keep, such as
        attention maps); ``predict`` then returns None.
    verbose: bool
        Show a tqdm progress bar on stderr.

    Returns
    -------
    The per-batch outputs moved to the CPU and concatenated along the first axis
    (same structure as one batch's output), or None when ``reduce`` is given.
    """
    device = torch.device(device)
    n = len(X)
    was_training = model.training
    model.eval()
    model.to(device)
    chunks = []
    try:
        with torch.no_grad():
            for sl in tqdm(list(batch_slices(n, batch_size)), desc=desc, disable=not verbose, leave=False):
                xb = to_device_batch(X, sl, device)
                out = func(model, xb) if func is not None else model(xb)
                if reduce is not None:
                    reduce(out, sl)
                else:
                    chunks.append(_to_host(out))
    finally:
        model.train(was_training)
    if reduce is not None:
        return None
    if not chunks:
        return None
    return _concat(chunks)
