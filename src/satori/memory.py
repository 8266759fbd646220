"""Give freed heap memory back to the operating system (glibc), to keep the peak RSS honest.

Batch loops allocate large short-lived buffers (activations, score records) between
small long-lived ones (per-batch results); glibc then cannot shrink its heap and the
resident size grows with the number of batches although little memory is in use.
``release_free_memory`` asks glibc to return free pages (``malloc_trim``); elsewhere it
does nothing.
"""

import ctypes
import ctypes.util

_trim = None
try:  # pragma: no cover - depends on the C library
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _trim = _libc.malloc_trim
    _trim.argtypes = [ctypes.c_size_t]
    _trim.restype = ctypes.c_int
except (OSError, AttributeError):
    _trim = None


_calls = [0]


def release_free_memory(every: int = 4) -> None:
    """``malloc_trim(0)`` on every ``every``-th call where available (glibc); a no-op elsewhere.

    A trim costs ~10 ms after a large batch, so batch loops call this once per batch
    and it trims every few batches.
    """
    _calls[0] += 1
    if _trim is not None and _calls[0] % max(1, every) == 0:
        _trim(0)
