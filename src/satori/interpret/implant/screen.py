"""The one batched pass of satori-implant: every variant built on the device, run once.

Variants (rows) of a screen, in this order (each block in C order of its axes):

- ``zero``: each background as it is, shape (n_bg,);
- ``single A``: each first-role TF, each strand used, each background: (TA, SA, n_bg);
- ``single B``: each second-role TF, each strand used, each gap, each background:
  (TB, SB, G, n_bg);
- ``pair``: each pair, each orientation, each gap, each background: (P, O, G, n_bg).

A row is described by six small integers (``VariantTable``): background, TF and strand
of A (TF -1 = absent), TF and strand of B, gap index. ``Variants`` turns a slice of the
table into one-hot sequences by index arithmetic on uint8 tensors on the device
(gather the backgrounds, then scatter the instances' bases at their positions) — no
Python loop over sequences or positions — and is handed to ``satori.batching.predict``
as its ``X`` so only one batch of variants exists at a time.
"""

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from satori.batching import predict
from satori.memory import release_free_memory


@dataclass
class ScreenDesign:
    """What is implanted where.

    backgrounds: np.ndarray uint8, shape=(n_bg, 4, L), one-hot.
    codes: np.ndarray uint8, shape=(T, n_bg, w_max): one instance of each TF per
        background (codes 0..3 = A, C, G, T, on the motif's own strand; beyond a TF's
        width: 0, unused).
    widths: np.ndarray int64, shape=(T,).
    pair_a, pair_b: np.ndarray int64, shape=(P,): TF index of A and of B of each pair.
    gaps: np.ndarray int64, shape=(G,). orient_a, orient_b: shape=(O,), strand codes
        (0 = +, 1 = -) of A and B per orientation.
    anchor: int, where every A ends (``layout.anchor_position``).
    """

    backgrounds: np.ndarray
    codes: np.ndarray
    widths: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    gaps: np.ndarray
    orient_a: np.ndarray
    orient_b: np.ndarray
    anchor: int

    @property
    def n_bg(self) -> int:
        return int(self.backgrounds.shape[0])

    @property
    def tfs_a(self) -> np.ndarray:
        """TF indices used as A, sorted, shape=(TA,)."""
        return np.unique(self.pair_a)

    @property
    def tfs_b(self) -> np.ndarray:
        return np.unique(self.pair_b)

    @property
    def strands_a(self) -> np.ndarray:
        return np.unique(self.orient_a)

    @property
    def strands_b(self) -> np.ndarray:
        return np.unique(self.orient_b)


# column order of a VariantTable
BG, TF_A, STRAND_A, TF_B, STRAND_B, GAP = range(6)


def _grid(*axes) -> np.ndarray:
    """Cartesian product of 1-D arrays in C order: shape=(prod(len), len(axes)) int64."""
    mesh = np.meshgrid(*[np.asarray(a, dtype=np.int64) for a in axes], indexing="ij")
    return np.stack([m.reshape(-1) for m in mesh], axis=1)


def variant_table(design: ScreenDesign) -> np.ndarray:
    """All rows of the screen (module docstring), shape=(n_rows, 6) int64."""
    bgs = np.arange(design.n_bg)
    blocks = []
    g = _grid(bgs)
    blocks.append(np.column_stack([g[:, 0], np.full(len(g), -1), np.zeros(len(g)), np.full(len(g), -1),
                                   np.zeros(len(g)), np.zeros(len(g))]))
    g = _grid(design.tfs_a, design.strands_a, bgs)  # (TA, SA, n_bg)
    blocks.append(np.column_stack([g[:, 2], g[:, 0], g[:, 1], np.full(len(g), -1), np.zeros(len(g)),
                                   np.zeros(len(g))]))
    g = _grid(design.tfs_b, design.strands_b, np.arange(len(design.gaps)), bgs)  # (TB, SB, G, n_bg)
    blocks.append(np.column_stack([g[:, 3], np.full(len(g), -1), np.zeros(len(g)), g[:, 0], g[:, 1], g[:, 2]]))
    g = _grid(np.arange(len(design.pair_a)), np.arange(len(design.orient_a)), np.arange(len(design.gaps)), bgs)
    p, o = g[:, 0], g[:, 1]
    blocks.append(np.column_stack([g[:, 3], design.pair_a[p], design.orient_a[o], design.pair_b[p],
                                   design.orient_b[o], g[:, 2]]))
    return np.concatenate(blocks).astype(np.int64)


def block_sizes(design: ScreenDesign):
    """Row counts of the four blocks (zero, single A, single B, pair)."""
    n, G = design.n_bg, len(design.gaps)
    return (n, len(design.tfs_a) * len(design.strands_a) * n, len(design.tfs_b) * len(design.strands_b) * G * n,
            len(design.pair_a) * len(design.orient_a) * G * n)


class Variants:
    """The screen's sequences, built a batch at a time on ``device``.

    ``len(v)`` is the number of rows; ``v[sl]`` (a slice) returns the one-hot uint8
    tensor of those rows, shape=(len, 4, L), on ``device``.
    """

    def __init__(self, design: ScreenDesign, table: np.ndarray, device="cpu"):
        self.device = torch.device(device)
        self.table = torch.from_numpy(table).to(self.device)
        self.backgrounds = torch.from_numpy(np.ascontiguousarray(design.backgrounds)).to(self.device)
        self.codes = torch.from_numpy(np.ascontiguousarray(design.codes)).long().to(self.device)
        self.widths = torch.from_numpy(design.widths).long().to(self.device)
        self.gaps = torch.from_numpy(design.gaps).long().to(self.device)
        self.anchor = int(design.anchor)
        self.offsets = torch.arange(design.codes.shape[2], device=self.device)  # (w_max,)

    def __len__(self) -> int:
        return int(self.table.shape[0])

    def _implant(self, X: torch.Tensor, rows: torch.Tensor, tf: torch.Tensor, strand: torch.Tensor,
                 bg: torch.Tensor, start: torch.Tensor) -> None:
        """Write each row's instance into X in place.

        X: uint8 (k, 4, L). rows, tf, strand, bg, start: int64 (m,), the rows of X that
        get a motif, its TF, strand (1 = reverse complement), background and start.
        """
        w = self.widths[tf][:, None]  # (m, 1)
        j = self.offsets[None, :]  # (1, w_max)
        inside = j < w  # (m, w_max)
        # reverse strand: base j of the implant is the complement of base w-1-j
        src = torch.where(strand[:, None] == 1, (w - 1 - j).clamp(min=0), j)
        base = self.codes[tf[:, None], bg[:, None], src]  # (m, w_max)
        base = torch.where(strand[:, None] == 1, 3 - base, base)
        r, c = inside.nonzero(as_tuple=True)
        row, pos = rows[r], start[r] + c
        X[row, :, pos] = 0
        X[row, base[r, c], pos] = 1

    def __getitem__(self, index) -> torch.Tensor:
        t = self.table[index]  # (k, 6)
        X = self.backgrounds[t[:, BG]]  # (k, 4, L) uint8, a new tensor (advanced indexing copies)
        for tf_col, strand_col in ((TF_A, STRAND_A), (TF_B, STRAND_B)):
            rows = (t[:, tf_col] >= 0).nonzero(as_tuple=True)[0]
            if len(rows) == 0:
                continue
            tf = t[rows, tf_col]
            if tf_col == TF_A:
                start = self.anchor - self.widths[tf]
            else:
                start = self.anchor + self.gaps[t[rows, GAP]]
            self._implant(X, rows, tf, t[rows, strand_col], t[rows, BG], start)
        return X


@dataclass
class ScreenOutput:
    """Model outputs of every variant, by block (logits, float64, last axis = labels).

    zero: (n_bg, n_labels); single_a: (TA, SA, n_bg, n_labels); single_b: (TB, SB, G,
    n_bg, n_labels); pair: (P, O, G, n_bg, n_labels).
    """

    zero: np.ndarray
    single_a: np.ndarray
    single_b: np.ndarray
    pair: np.ndarray


def split_outputs(design: ScreenDesign, logits: np.ndarray) -> ScreenOutput:
    """Cut the (n_rows, n_labels) logits of ``variant_table`` order into its blocks."""
    n0, na, nb, npair = block_sizes(design)
    L = logits.shape[1]
    G, n = len(design.gaps), design.n_bg
    lo = np.asarray(logits, dtype=np.float64)
    cut = np.cumsum([0, n0, na, nb, npair])
    return ScreenOutput(
        zero=lo[cut[0]:cut[1]].reshape(n, L),
        single_a=lo[cut[1]:cut[2]].reshape(len(design.tfs_a), len(design.strands_a), n, L),
        single_b=lo[cut[2]:cut[3]].reshape(len(design.tfs_b), len(design.strands_b), G, n, L),
        pair=lo[cut[3]:cut[4]].reshape(len(design.pair_a), len(design.orient_a), G, n, L),
    )


def run_screen(model: torch.nn.Module, design: ScreenDesign, batch_size: int = 512, device="cpu",
               verbose: bool = False, func=None) -> ScreenOutput:
    """Build every variant and run it through ``model`` once (``satori.batching.predict``).

    ``func(model, xb) -> logits (b, n_labels)``; default ``model(xb)``. Half precision
    is not used: cooperativity is a difference of four logits and fp16 round-off
    (~1e-3 of the logit) would swamp small effects.
    Returns the logits by block (``ScreenOutput``).
    """
    table = variant_table(design)
    variants = Variants(design, table, device)
    n_labels = int(getattr(getattr(model, "config", None), "n_labels", 0) or 0)
    store = {}

    def keep(out: torch.Tensor, sl: slice) -> None:
        # one preallocated array, not a list of small per-batch tensors: those, interleaved with
        # the large short-lived activations, pin glibc heap pages (the RSS grew to ~11 GB over
        # 177 000 variants); with the array and a trim it stays flat
        out = out.detach().float().reshape(len(out), -1).cpu().numpy()
        if "logits" not in store:
            store["logits"] = np.empty((len(variants), n_labels or out.shape[1]), dtype=np.float32)
        store["logits"][sl] = out
        release_free_memory()

    predict(model, variants, batch_size, device, func=func, reduce=keep, verbose=verbose, desc="implant")
    return split_outputs(design, store["logits"].astype(np.float64))


def build_reference(design: ScreenDesign, row: Sequence[int]) -> np.ndarray:
    """One variant built the plain way (a loop over bases), for tests: shape=(4, L) uint8."""
    bg, tf_a, s_a, tf_b, s_b, gi = (int(v) for v in row)
    x = design.backgrounds[bg].copy()
    for tf, s, start in ((tf_a, s_a, None), (tf_b, s_b, design.anchor + int(design.gaps[gi]))):
        if tf < 0:
            continue
        w = int(design.widths[tf])
        if start is None:
            start = design.anchor - w
        seq = [int(c) for c in design.codes[tf, bg, :w]]
        if s == 1:
            seq = [3 - c for c in reversed(seq)]
        for k, c in enumerate(seq):
            x[:, start + k] = 0
            x[c, start + k] = 1
    return x


__all__ = ["ScreenDesign", "ScreenOutput", "Variants", "variant_table", "block_sizes", "split_outputs",
           "run_screen", "build_reference"]
