"""Where the motifs of a pair go: the gap grid, the orientations and the start positions.

Layout of one variant (0-based positions on a sequence of ``length`` bp): the first TF
(``tf1``, "A") *ends* at a fixed anchor ``anchor`` (it occupies ``[anchor - wA, anchor)``),
the second (``tf2``, "B") starts ``gap`` bases after it (``[anchor + gap, anchor + gap +
wB)``). ``gap`` is the number of bases between the two motifs (0 = adjacent). The anchor is
the same for every pair and gap, chosen so that the widest first motif, the largest gap
and the widest second motif together sit centred in the sequence. Because A's position
does not depend on B or the gap, and B's depends only on the gap, the single-motif
variants f(A) and f(B) are shared by every pair containing that TF in that role.

Orientations are written ``++``, ``+-``, ``-+``, ``--``: the strand of A then of B
(``-`` = the reverse complement of the motif is implanted).
"""

from typing import List, Sequence, Tuple

import numpy as np

from satori.errors import InputError

#: 0..20 bp in steps of 1 (the 8-15 bp of the simulation and the usual cooperative
#: spacings), then coarser out to 100 bp.
DEFAULT_GAPS = tuple(range(0, 21)) + tuple(range(25, 51, 5)) + tuple(range(60, 101, 10))
ORIENTATIONS = ("++", "+-", "-+", "--")
STRANDS = ("+", "-")


def parse_spacings(text: str) -> np.ndarray:
    """``--spacings``: '' or 'default' (``DEFAULT_GAPS``) or a comma list of gaps and ranges.

    A range is ``a-b`` (step 1) or ``a-b:s`` (step s), both ends included, e.g.
    ``0-20,25-100:5``. Returns the sorted unique gaps, np.ndarray int64, shape=(G,).
    Raises InputError for anything else, a negative gap or an empty list.
    """
    text = str(text or "").replace(" ", "")
    if text in ("", "default"):
        return np.array(DEFAULT_GAPS, dtype=np.int64)
    gaps = []
    try:
        for part in text.split(","):
            if not part:
                continue
            step = 1
            if ":" in part:
                part, s = part.split(":", 1)
                step = int(s)
                if step < 1:
                    raise ValueError
            if "-" in part[1:]:
                a, b = part.split("-", 1) if not part.startswith("-") else (part, None)
                lo, hi = int(a), int(b)
                if hi < lo:
                    raise ValueError
                gaps.extend(range(lo, hi + 1, step))
            else:
                gaps.append(int(part))
    except ValueError:
        raise InputError(f"--spacings '{text}': expected gaps and ranges like 0-20,25-100:5") from None
    if not gaps:
        raise InputError(f"--spacings '{text}': no gap given")
    if min(gaps) < 0:
        raise InputError(f"--spacings '{text}': gaps must be >= 0 bp")
    return np.unique(np.array(gaps, dtype=np.int64))


def fit_gaps(gaps: np.ndarray, length: int, width_a: int, width_b: int) -> np.ndarray:
    """The gaps of ``gaps`` that fit ``length`` bp with motifs of ``width_a`` and ``width_b``
    bp (the default grid on short sequences); at least gap 0 must fit (else InputError)."""
    largest = int(length) - int(width_a) - int(width_b)
    if largest < 0:
        raise InputError(f"motifs of {width_a} and {width_b} bp do not fit side by side in {length} bp sequences")
    kept = gaps[gaps <= largest]
    return kept if len(kept) else np.array([0], dtype=np.int64)


def parse_orientations(text: str) -> List[str]:
    """``--orientations``: comma list of ``++ +- -+ --`` (order kept, duplicates dropped)."""
    out = []
    for part in str(text or "").replace(" ", "").split(","):
        if not part:
            continue
        if part not in ORIENTATIONS:
            raise InputError(f"--orientations '{text}': '{part}' is not one of {', '.join(ORIENTATIONS)}")
        if part not in out:
            out.append(part)
    if not out:
        raise InputError(f"--orientations '{text}': no orientation given")
    return out


def anchor_position(length: int, width_a: int, width_b: int, max_gap: int) -> int:
    """The position where every first motif ends (see module docstring).

    width_a, width_b: the widest first and second motif. Raises InputError when the
    widest layout (``width_a + max_gap + width_b``) does not fit in ``length`` bp.
    """
    span = int(width_a) + int(max_gap) + int(width_b)
    if span > length:
        largest = length - int(width_a) - int(width_b)
        hint = f"the largest gap that fits is {largest} bp" if largest >= 0 else "the motifs alone do not fit"
        raise InputError(
            f"--spacings: a {max_gap} bp gap between motifs of {width_a} and {width_b} bp needs {span} bp "
            f"but the sequences have {length} bp ({hint})"
        )
    return (length - span) // 2 + int(width_a)


def start_positions(anchor: int, widths_a: np.ndarray, gaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Start of A for each width and start of B for each gap.

    widths_a: shape=(n,), gaps: shape=(G,). Returns ``(start_a (n,), start_b (G,))``, int64.
    """
    return anchor - np.asarray(widths_a, dtype=np.int64), anchor + np.asarray(gaps, dtype=np.int64)


def strand_flags(orientations: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
    """Strand codes (0 = +, 1 = -) of A and of B per orientation, each shape=(O,) int64."""
    a = np.array([STRANDS.index(o[0]) for o in orientations], dtype=np.int64)
    b = np.array([STRANDS.index(o[1]) for o in orientations], dtype=np.int64)
    return a, b
