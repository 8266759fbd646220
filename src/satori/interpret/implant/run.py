"""satori-implant from inputs to tables: design the screen, run it, summarise it.

``implant(model, pairs, motifs, backgrounds, ...)`` returns ``implant.tsv`` and
``implant_curves.tsv`` as DataFrames (columns ``formats.IMPLANT_COLUMNS`` and
``formats.IMPLANT_CURVES_COLUMNS``; see the CLI's help for what they hold).
"""

import logging
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import pandas as pd
import torch

from satori import formats
from satori.interpret.implant import layout, stats
from satori.interpret.implant.screen import ScreenDesign, block_sizes, run_screen
from satori.motifs.io import Motif

log = logging.getLogger("satori")


@dataclass
class ImplantResult:
    table: pd.DataFrame
    curves: pd.DataFrame
    summary: dict


def design_screen(pairs: pd.DataFrame, tf_names: Sequence[str], motifs: Sequence[Motif], backgrounds: np.ndarray,
                  codes: np.ndarray, widths: np.ndarray, gaps: np.ndarray, orientations: Sequence[str]) -> ScreenDesign:
    """The ``ScreenDesign`` of ``pairs`` (tf1, tf2 names; ``tf_names[i]`` is motif i).

    Raises InputError (``layout.anchor_position``) when the widest layout does not fit.
    """
    index = {n.strip().lower(): i for i, n in enumerate(tf_names)}
    pair_a = np.array([index[a.strip().lower()] for a in pairs["tf1"]], dtype=np.int64)
    pair_b = np.array([index[b.strip().lower()] for b in pairs["tf2"]], dtype=np.int64)
    wa = int(widths[pair_a].max()) if len(pair_a) else 0
    wb = int(widths[pair_b].max()) if len(pair_b) else 0
    anchor = layout.anchor_position(backgrounds.shape[2], wa, wb, int(gaps.max()))
    oa, ob = layout.strand_flags(orientations)
    return ScreenDesign(backgrounds, codes, widths, pair_a, pair_b, np.asarray(gaps, dtype=np.int64), oa, ob, anchor)


def label_logit(logits: np.ndarray, label: Optional[int]) -> np.ndarray:
    """The logit of label ``label`` (None: the mean over labels); last axis dropped."""
    return logits.mean(axis=-1) if label is None else logits[..., label]


def implant(model: torch.nn.Module, pairs: pd.DataFrame, tf_names: Sequence[str], motifs: Sequence[Motif],
            clusters: Sequence[str], backgrounds: np.ndarray, codes: np.ndarray, widths: np.ndarray,
            gaps: np.ndarray, orientations: Sequence[str], label: Optional[int], label_name: str,
            batch_size: int = 512, device="cpu", seed: int = 0, n_boot: int = stats.DEFAULT_BOOT,
            n_perm: int = stats.DEFAULT_PERM, verbose: bool = False, alternative: str = "greater") -> ImplantResult:
    """Screen ``pairs`` and summarise them.

    pairs: DataFrame with tf1, tf2, attention_q, control. tf_names, motifs, clusters:
    per TF (same order; ``codes[i]``/``widths[i]`` its instances). backgrounds: uint8
    (n_bg, 4, L). label: output column to read, or None for the mean logit.
    """
    design = design_screen(pairs, tf_names, motifs, backgrounds, codes, widths, gaps, orientations)
    n_rows = int(sum(block_sizes(design)))
    log.info("%d pairs x %d orientations x %d gaps x %d backgrounds: %d forward passes (with the single-motif "
             "and empty variants)", len(pairs), len(orientations), len(gaps), design.n_bg, n_rows)
    t0 = time.perf_counter()
    out = run_screen(model, design, batch_size, device, verbose=verbose)
    t_screen = time.perf_counter() - t0

    ia = np.searchsorted(design.tfs_a, design.pair_a)
    ib = np.searchsorted(design.tfs_b, design.pair_b)
    sa = np.searchsorted(design.strands_a, design.orient_a)
    sb = np.searchsorted(design.strands_b, design.orient_b)
    f0, fa, fb, fab = (label_logit(x, label) for x in (out.zero, out.single_a, out.single_b, out.pair))
    C = stats.cooperativity(f0, fa, fb, fab, ia, ib, sa, sb)
    t1 = time.perf_counter()
    st = stats.pair_statistics(C, n_boot, n_perm, seed, alternative=alternative)
    m1, m2 = stats.marginals(f0, fa, fb, ia, ib, sa, sb)
    t_stats = time.perf_counter() - t1

    table = pd.DataFrame({
        "tf1": list(pairs["tf1"]), "tf2": list(pairs["tf2"]),
        "cluster1": [clusters[i] for i in design.pair_a], "cluster2": [clusters[i] for i in design.pair_b],
        "motif1": [motifs[i].id for i in design.pair_a], "motif2": [motifs[i].id for i in design.pair_b],
        "attention_q": list(pairs["attention_q"]), "control": list(pairs["control"]), "label": label_name,
        "best_gap": gaps[st.best_g] if len(pairs) else [], "best_orientation": [orientations[o] for o in st.best_o],
        "cooperativity": st.best, "ci_low": st.best_low, "ci_high": st.best_high, "p": st.p, "q": st.q,
        "marginal1": m1, "marginal2": m2, "n_backgrounds": design.n_bg,
    }, columns=formats.IMPLANT_COLUMNS)
    table = table.sort_values(["q", "cooperativity"], ascending=[True, False], kind="stable").reset_index(drop=True)
    # a pair the interactions table does not hold (a control of named TFs) has no attention q
    table["attention_q"] = [f"{v:.6g}" if v == v else "NA" for v in table["attention_q"].astype(float)]
    P, O, G = st.mean.shape
    pi, oi, gi = (a.reshape(-1) for a in np.indices((P, O, G)))
    curves = pd.DataFrame({
        "tf1": np.asarray(pairs["tf1"], dtype=object)[pi], "tf2": np.asarray(pairs["tf2"], dtype=object)[pi],
        "orientation": np.asarray(orientations, dtype=object)[oi], "gap": np.asarray(gaps)[gi],
        "cooperativity": st.mean.reshape(-1), "ci_low": st.ci_low.reshape(-1), "ci_high": st.ci_high.reshape(-1),
    }, columns=formats.IMPLANT_CURVES_COLUMNS)
    summary = {"n_pairs": int(len(pairs)), "n_controls": int(pairs["control"].sum()) if len(pairs) else 0,
               "n_forward_passes": n_rows, "n_backgrounds": design.n_bg, "gaps": [int(g) for g in gaps],
               "orientations": list(orientations), "anchor": int(design.anchor), "n_boot": n_boot, "n_perm": n_perm,
               "alternative": alternative,
               "n_significant": int((table["q"] < 0.05).sum()), "seconds_screen": round(t_screen, 3),
               "seconds_stats": round(t_stats, 3)}
    return ImplantResult(table, curves, summary)


__all__: List[str] = ["ImplantResult", "design_screen", "implant", "label_logit"]
