"""Interaction inference shared by every interpreter: selection -> hit thresholds ->
pair scores (foreground, background) -> statistics -> tables.

An interpreter supplies only its map function (``interpret.pairs.MapFn``):
``interpret.raw.attention_maps`` for raw attention; attention attribution and DFIM
plug in the same way, so selection, thresholds, the cutoff, the test and the output
tables are the same code for all of them.

Passes over the data (the floor is one forward pass over foreground + background):

1. one forward pass over the split (``select.scan``): predictions, for choosing the
   foreground/background, and each sequence's maximum activation per filter, from
   which the hit thresholds are computed on the chosen foreground;
2. scoring of the foreground, then of the background, batch by batch: from what the
   prediction pass kept (raw attention, within ``cache_mb``: no second model pass),
   from a pass of the map function that also gave the ``mean`` cutoff (other
   interpreters), or from a pass of the map function.
"""

import logging
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from satori.batching import predict
from satori.errors import InputError
from satori.interpret import select
from satori.interpret.hits import DEFAULT_FRACTION, hit_thresholds
from satori.interpret.pairs import MapFn, make_bins, score_cached, score_pairs
from satori.interpret.stats import COMPARE_MODES, compare_pairs
from satori.interpret.tables import (
    cluster_groups,
    cluster_interactions_table,
    cluster_pooled_table,
    empty_cluster_interactions,
    empty_interactions,
    empty_tf_interactions,
    interactions_table,
    tf_groups,
    tf_interactions_table,
    tf_pooled_table,
)
from satori.memory import release_free_memory

log = logging.getLogger("satori")

TF_TESTS = ("pooled", "best-filter")


@dataclass
class InterpretSettings:
    """Settings shared by the interpreters (the CLI flags of the same names).

    background: ``auto`` | ``negatives`` | ``shuffle`` (``select.resolve_background``).
    max_seqs: cap on foreground and on background sequences (seeded sample); <= 0 = all.
    attn_cutoff: ``mean`` (mean map value over the foreground) or a number >= 0.
    pred_threshold: probability above which a label is predicted positive.
    compare: ``auto`` | ``present`` | ``all`` (``interpret.stats``); auto = present for a
    negatives background, all for a shuffled one.
    min_fg, min_bg: minimum counts for a pair to be tested (``stats.PairTestSettings``).
    q_threshold: q below which a filter pair counts as significant in the TF table.
    tf_test: how ``tf_interactions.tsv`` gets its p and q: ``pooled`` (default) tests each
    TF pair itself, its filters pooled (a TF is present where any filter named after it
    is; the pair's score is the best over those filters' position pairs), BH over the TF
    pairs; ``best-filter`` takes the best filter pair's (the paper's mapping; BH over
    every filter pair).
    hit_fraction: hit threshold as a fraction of each filter's foreground maximum.
    cache_mb: memory for keeping the prediction pass's pooled activations and attention
    maps (raw attention only; ``select.ScanCache``); 0 = run the model again.
    """

    background: str = "auto"
    max_seqs: int = 5000
    attn_cutoff: str = "mean"
    pred_threshold: float = 0.5
    compare: str = "auto"
    min_fg: int = 5
    min_bg: int = 1
    q_threshold: float = 0.05
    tf_test: str = "pooled"
    hit_fraction: float = DEFAULT_FRACTION
    batch_size: int = 128
    cache_mb: float = 1024
    seed: int = 0
    verbose: bool = False


@dataclass
class InterpretResult:
    """Tables and a summary (counts, cutoff, timings) recorded in ``params.json``."""

    interactions: pd.DataFrame
    tf_interactions: pd.DataFrame
    summary: dict = field(default_factory=dict)
    cluster_interactions: pd.DataFrame = field(default_factory=empty_cluster_interactions)


def parse_cutoff(text) -> Optional[float]:
    """``mean`` -> None (computed later); a number >= 0 -> float. Else ``InputError``."""
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        text = str(text).strip().lower()
        if text == "mean":
            return None
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"--attn-cutoff {text}: expected 'mean' or a number >= 0") from None
    if not np.isfinite(value) or value < 0:
        raise InputError(f"--attn-cutoff {text}: expected 'mean' or a number >= 0")
    return value


def check_settings(s: InterpretSettings) -> None:
    """Validate settings; ``InputError`` naming the flag."""
    select.check_threshold(s.pred_threshold)
    parse_cutoff(s.attn_cutoff)
    if s.compare not in COMPARE_MODES:
        raise InputError(f"--compare {s.compare}: expected one of {', '.join(COMPARE_MODES)}")
    if s.min_fg < 1 or s.min_bg < 1:
        raise InputError("--min-fg and --min-bg must be >= 1")
    if not 0 < s.q_threshold <= 1:
        raise InputError(f"--q-threshold {s.q_threshold}: must be in (0, 1]")
    if s.tf_test not in TF_TESTS:
        raise InputError(f"--tf-test {s.tf_test}: expected one of {', '.join(TF_TESTS)}")
    if s.cache_mb < 0:
        raise InputError(f"--cache-mb {s.cache_mb}: must be >= 0")
    if s.batch_size < 1:
        raise InputError(f"--batch-size {s.batch_size}: must be >= 1")
    if not 0 < s.hit_fraction <= 1:
        raise InputError(f"--act-threshold {s.hit_fraction}: must be in (0, 1]")


def check_filter_motifs(filter_motifs: pd.DataFrame, n_filters: int, path="--filter-motifs") -> None:
    """The filter table must describe exactly the model's filters."""
    idx = filter_motifs["index"].to_numpy()
    if len(idx) != n_filters or (len(idx) and (idx.max() >= n_filters)):
        raise InputError(
            f"{path}: lists {len(idx)} filter(s) (up to filter{idx.max() if len(idx) else 0}) but the model in --model "
            f"has {n_filters}; use the filter_motifs.tsv made from this model"
        )


def infer_interactions(
    model: torch.nn.Module,
    data: select.Dataset,
    filter_motifs: pd.DataFrame,
    map_fn: MapFn,
    method: str,
    settings: InterpretSettings,
    device="cpu",
    map_is_attention: bool = False,
    on_thresholds=None,
) -> InterpretResult:
    """Infer filter and TF interactions with one interpreter.

    Parameters
    ----------
    model: SatoriModel (eval mode).
    data: ``select.Dataset`` of the split to interpret (X uint8 (n, 4, L), Y (n, n_labels)).
    filter_motifs: ``motifs.tomtom.read_filter_motifs`` output for this model.
    map_fn: the interpreter's map function (``interpret.pairs.MapFn``); it receives the
        batch's labels (float, (b, n_labels)) as ``extra``.
    method: name recorded in the tables (``attn-raw``, ...).
    settings: ``InterpretSettings``.
    map_is_attention: True when ``map_fn``'s map is the max-over-heads attention: the
        prediction pass then computes the foreground mean (the ``mean`` cutoff) and keeps
        the maps, and the model runs once. Otherwise, with the ``mean`` cutoff, ``map_fn``
        runs over the foreground once to get the mean and its results are kept (within
        ``cache_mb``) for scoring; with a numeric cutoff it runs while scoring.
    on_thresholds: optional callable, called with the hit thresholds (F,) once they are
        computed on the foreground and before ``map_fn`` first runs (DFIM mutates hits).

    Returns ``InterpretResult``. With no foreground (or no background) sequence the
    tables are empty (headers only) and a warning is logged.
    """
    check_settings(settings)
    check_filter_motifs(filter_motifs, model.config.n_filters)

    s = settings
    summary = {"method": method, "n_sequences": int(len(data.X))}
    t0 = time.perf_counter()
    n_labels = data.Y.shape[1]
    background = select.resolve_background(s.background, n_labels)

    def candidates(rows, probs_b):
        keep = select.foreground_mask(data.Y[rows], probs_b, s.pred_threshold)
        if background == "negatives":
            keep |= select.negative_mask(data.Y[rows], probs_b, s.pred_threshold)
        return keep

    cache = select.ScanCache(s.cache_mb * 2 ** 20 if map_is_attention else 0)
    logits, conv_max, attn_mean = select.scan(model, data.X, s.batch_size, device, verbose=s.verbose,
                                              cache=cache, cache_rows=candidates)
    probs = select.sigmoid(logits)
    compare = s.compare if s.compare != "auto" else ("present" if background == "negatives" else "all")
    fg_idx = select.choose_foreground(data.Y, probs, s.pred_threshold, s.max_seqs, s.seed)
    X_fg, Y_fg = data.X[fg_idx], data.Y[fg_idx]
    if background == "negatives":
        bg_idx = select.choose_negatives(data.Y, probs, s.pred_threshold, s.max_seqs, s.seed)
        X_bg, Y_bg = data.X[bg_idx], data.Y[bg_idx]
    else:
        X_bg, Y_bg = select.dinucleotide_shuffled(X_fg, s.seed), Y_fg
    summary.update(background=background, compare=compare, n_fg=int(len(X_fg)), n_bg=int(len(X_bg)),
                   seconds_scan=round(time.perf_counter() - t0, 3))
    log.info("foreground: %d sequences; background (%s): %d sequences", len(X_fg), background, len(X_bg))
    if len(X_fg) == 0 or len(X_bg) == 0:
        which = "foreground" if len(X_fg) == 0 else "background"
        log.warning("no %s sequence passes the selection (see --pred-threshold, --background); writing empty tables", which)
        summary["warning"] = f"empty {which}"
        return InterpretResult(empty_interactions(), empty_tf_interactions(), summary)

    thresholds = hit_thresholds(model, conv_max[torch.from_numpy(fg_idx)], s.hit_fraction)
    if on_thresholds is not None:
        on_thresholds(thresholds)
    t1 = time.perf_counter()
    labels_fg, labels_bg = torch.from_numpy(Y_fg).float(), torch.from_numpy(Y_bg).float()
    cutoff = parse_cutoff(s.attn_cutoff)
    fg_rows = np.arange(len(fg_idx))
    fg_cache = None
    if map_is_attention:
        mean = float(attn_mean[torch.from_numpy(fg_idx)].mean())
    elif cutoff is None or cutoff == 0:
        # the mean needs one pass of map_fn over the foreground: keep its results for scoring
        fg_cache = select.ScanCache(s.cache_mb * 2 ** 20)
        mean = _map_pass(model, X_fg, map_fn, labels_fg, fg_cache, s.batch_size, device, s.verbose)
    else:
        mean = float("nan")  # not needed: a positive cutoff anchors the score bins
    if cutoff is None:
        cutoff = mean
    bins = make_bins(cutoff, mean)
    log.info("attention cutoff %.4g (mean map value over the foreground %.4g)", cutoff, mean)

    groups, group_names, group_clusters = tf_groups(filter_motifs, model.config.n_filters)
    pooled = s.tf_test == "pooled" and len(group_names) > 1
    c_groups, c_names = cluster_groups(filter_motifs, model.config.n_filters)
    pooled_clusters = s.tf_test == "pooled" and len(c_names) > 1
    # groupings in this order: the TFs' (when pooled) then the clusters' (when pooled_clusters), so
    # below grouped[0] is the TFs' and grouped[-1] the clusters' whichever of them is there
    groups_t = ([torch.from_numpy(groups)] if pooled else []) + ([torch.from_numpy(c_groups)] if pooled_clusters else [])

    def score(X_set, idx, labels, desc, store):
        # cached: no model pass (activations and maps kept) or the convolution only (maps kept)
        if store is not None and store.has(idx) and store.keep_pooled:
            return score_cached(store.batches(idx, s.batch_size), len(idx), thresholds, cutoff, bins, model.config.pool,
                                groups=groups_t)
        if store is not None and store.has(idx):
            return score_pairs(model, X_set, store.map_fn, thresholds, cutoff, bins, s.batch_size, device,
                               extra=torch.from_numpy(idx), verbose=s.verbose, desc=desc, groups=groups_t)
        return score_pairs(model, X_set, map_fn, thresholds, cutoff, bins, s.batch_size, device,
                           extra=labels, verbose=s.verbose, desc=desc, groups=groups_t)

    if fg_cache is not None:
        fg = score(X_fg, fg_rows, labels_fg, "foreground", fg_cache)
        summary["cache"] = _cache_level(fg_cache)
        del fg_cache
    else:
        fg = score(X_fg, fg_idx, labels_fg, "foreground", cache)
        summary["cache"] = _cache_level(cache)
    bg = score(X_bg, bg_idx if background == "negatives" else None, labels_bg, "background",
               cache if background == "negatives" else None)
    del cache
    summary.update(cutoff=float(cutoff), map_mean_fg=float(mean), fg_present=int(fg.present.sum()),
                   bg_present=int(bg.present.sum()), seconds_scores=round(time.perf_counter() - t1, 3))
    log.info("present filter pairs (summed over sequences): %d foreground, %d background",
             int(fg.present.sum()), int(bg.present.sum()))

    t2 = time.perf_counter()
    tests = compare_pairs(fg, bg, compare, s.min_fg, s.min_bg)
    interactions = interactions_table(tests, filter_motifs, method)
    if pooled:
        tf_tests = compare_pairs(fg.grouped[0], bg.grouped[0], compare, s.min_fg, s.min_bg, diagonal=False)
        tf_table = tf_pooled_table(tf_tests, group_names, group_clusters, interactions, s.q_threshold, method,
                                   filter_motifs)
    else:
        tf_table = tf_interactions_table(interactions, s.q_threshold, method, filter_motifs)
    summary["tf_test"] = "pooled" if pooled else "best-filter"
    if pooled_clusters:
        c_tests = compare_pairs(fg.grouped[-1], bg.grouped[-1], compare, s.min_fg, s.min_bg, diagonal=False)
        cluster_table = cluster_pooled_table(c_tests, c_names, tf_table, s.q_threshold, method, filter_motifs)
    else:
        cluster_table = cluster_interactions_table(tf_table, s.q_threshold, method)
    n_sig = int((interactions["q"] < s.q_threshold).sum())
    n_tf_sig = int((tf_table["q"] < s.q_threshold).sum()) if len(tf_table) else 0
    summary.update(n_tested=int(len(interactions)), n_significant=n_sig, n_tf_pairs=int(len(tf_table)),
                   n_tf_significant=n_tf_sig, seconds_tests=round(time.perf_counter() - t2, 3))
    log.info("%d filter pairs tested, %d with q < %g; %d TF pairs, %d with q < %g",
             len(interactions), n_sig, s.q_threshold, len(tf_table), n_tf_sig, s.q_threshold)
    summary["n_cluster_pairs"] = int(len(cluster_table))
    return InterpretResult(interactions, tf_table, summary, cluster_table)




def _cache_level(store) -> str:
    if store is None or not store.enabled:
        return "none"
    return "activations+maps" if store.keep_pooled else "maps"


def _map_pass(model, X, map_fn: MapFn, extra, store, batch_size, device, verbose) -> float:
    """Run ``map_fn`` over ``X`` once: return the mean map value; keep results in ``store``.

    ``store`` (a ``select.ScanCache`` keyed by row 0..n-1 of X) keeps the pooled
    activations and maps within its budget, so scoring need not run ``map_fn`` again.
    """
    pool, length = model.config.pool, model.config.pooled_length
    state = {"start": 0, "sum": 0.0, "count": 0}

    def func(m, xb):
        start = state["start"]
        state["start"] = start + len(xb)
        conv, maps = map_fn(m, xb, None if extra is None else extra[start:start + len(xb)].to(xb.device))
        if not torch.isfinite(maps).all():
            raise InputError("the interaction maps contain NaN or infinite values (the model in --model is broken)")
        state["sum"] += float(maps.double().sum())
        state["count"] += maps.numel()
        pooled = (F.max_pool1d(conv, pool) if pool > 1 else conv)[:, :, :length]
        store.add(np.arange(start, start + len(xb)), pooled.float().contiguous(), maps.float())
        release_free_memory()
        return maps.new_zeros(len(xb))

    if len(X):
        predict(model, X, batch_size, device, func=func, verbose=verbose, desc="maps")
    return state["sum"] / state["count"] if state["count"] else 0.0
