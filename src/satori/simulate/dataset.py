"""Assembling a simulated dataset: layout of implants, sequences, labels, splits, files.

``simulate(config, motif_pool, seed)`` builds everything in memory (``SimulatedData``);
``write_dataset(outdir, data)`` writes the files. All randomness comes from one seed,
split into independent streams (``numpy.random.SeedSequence.spawn``) for the motif
choice, the pair set, the layout, the background, the instances and the split — so
e.g. changing ``--n-seqs`` keeps the same motifs and pairs.

Layout without retries. The implants of one sequence are blocks that must not overlap
(a positive's blocks are its pairs: ``w1 + gap + w2`` bases; a negative's are single
motifs that must keep ``neg_spacing`` bases apart). With block lengths ``b_1..b_k`` in a
random order and ``free = L - sum(b) - (k - 1) * spacing`` spare bases, drawing ``k``
integers uniformly from ``[0, free]`` and sorting them gives the spare bases before each
block; block ``i`` starts at ``offset_i + sum_{j<i} (b_j + spacing)``. Every draw is a
valid layout, so placement never fails once the worst case fits, which is checked up
front from the widths and gaps (``check_fit``). This runs for all sequences with the
same number of blocks at once, as array operations.
"""

import dataclasses
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import pandas as pd

from satori import __version__, formats
from satori.data.fasta import write_fasta
from satori.data.labels import write_labels
from satori.errors import InputError
from satori.motifs.io import Motif, write_meme
from satori.simulate.motifs import choose_motifs, choose_pairs
from satori.simulate.presets import SimulationConfig
from satori.simulate.sample import (
    LETTERS, MIN_SCORE_FRACTION, reverse_complement_codes, sample_background, sample_instances,
)

#: Name of the single label column of ``labels.tsv`` (1 = positive: carries pairs).
LABEL_COLUMN = "label"

#: ``pair`` value in ``implants.tsv`` for an implant that belongs to no pair (negatives).
NO_PAIR = -1


@dataclass
class Implants:
    """Implanted motif instances, one entry per instance (parallel arrays of length m).

    seq: sequence row (0-based). motif: index into the chosen motifs. start: 0-based first
    base. strand: 0 for '+', 1 for '-'. pair: row of the pair set, or ``NO_PAIR``.
    """

    seq: np.ndarray
    motif: np.ndarray
    start: np.ndarray
    strand: np.ndarray
    pair: np.ndarray

    @staticmethod
    def concat(parts: Sequence["Implants"]) -> "Implants":
        fields = [f.name for f in dataclasses.fields(Implants)]
        if not parts:
            return Implants(*[np.zeros(0, dtype=np.int64) for _ in fields])
        return Implants(*[np.concatenate([getattr(p, f) for p in parts]).astype(np.int64) for f in fields])

    def sorted(self) -> "Implants":
        order = np.lexsort((self.start, self.seq))
        return Implants(*[getattr(self, f.name)[order] for f in dataclasses.fields(Implants)])


@dataclass
class SimulatedData:
    """A simulated dataset in memory.

    codes: np.ndarray, shape=(n, length), uint8 — bases coded 0..3 (A, C, G, T).
    ids: n sequence ids. labels: shape (n,), uint8, 1 = positive. splits: n split names.
    motifs: the chosen motifs (``motifs.meme``). pairs: shape (n_pairs, 2), motif indices.
    implants: every implanted instance. config: the settings. seed: the seed.
    motif_source: where the motifs came from (recorded in params.json).
    motif_clusters: the motif-cluster name of each chosen motif in the pool's clustering
        (``satori.motifs.clusters``; pairs.tsv ``cluster1``/``cluster2``).
    """

    codes: np.ndarray
    ids: List[str]
    labels: np.ndarray
    splits: np.ndarray
    motifs: List[Motif]
    pairs: np.ndarray
    implants: Implants
    config: SimulationConfig
    seed: int
    motif_source: dict = field(default_factory=dict)
    motif_clusters: List[str] = field(default_factory=list)


# --- settings checks ------------------------------------------------------------------

def parse_fractions(text: str) -> Tuple[float, float, float]:
    """Parse ``--split-fractions`` ("train,valid,test"); raise InputError if malformed.

    Three non-negative numbers summing to 1 (within 1e-6), train > 0.
    """
    try:
        values = tuple(float(v) for v in str(text).replace(" ", "").split(","))
    except ValueError:
        raise InputError(f"--split-fractions '{text}': expected 3 comma-separated numbers (train,valid,test)") from None
    if len(values) != 3 or not all(np.isfinite(values)):
        raise InputError(f"--split-fractions '{text}': expected 3 comma-separated numbers (train,valid,test)")
    if min(values) < 0 or values[0] <= 0:
        raise InputError(f"--split-fractions '{text}': fractions must be non-negative, train positive")
    if abs(sum(values) - 1.0) > 1e-6:
        raise InputError(f"--split-fractions '{text}': fractions must sum to 1 (they sum to {sum(values):g})")
    return values  # type: ignore[return-value]


def _worst_pairs_length(widths: np.ndarray, pairs: np.ndarray, config: SimulationConfig) -> int:
    """Bases the ``pairs_max`` widest of ``pairs`` (m, 2) need with ``gap_max`` each."""
    pair_widths = np.sort(widths[pairs[:, 0]] + widths[pairs[:, 1]])[::-1]
    return int(pair_widths[: config.pairs_max].sum()) + config.pairs_max * config.gap_max


def check_fit(config: SimulationConfig, widths: np.ndarray, pairs: np.ndarray) -> None:
    """Raise InputError unless the worst-case positive and negative fit in the length.

    widths: shape (n_motifs,), motif widths. pairs: shape (n_pairs, 2), motif indices.
    Worst case for a positive: the ``pairs_max`` widest pairs, each at ``gap_max``; for a
    negative: the ``neg_motifs_max`` widest motifs with ``neg_spacing`` between them.
    """
    L = config.length
    need_pos = _worst_pairs_length(widths, pairs, config)
    if need_pos > L:
        raise InputError(
            f"--length {L} is too short: {config.pairs_max} pairs of the chosen motifs (widths "
            f"{int(widths.min())}-{int(widths.max())} bp) with gaps up to {config.gap_max} bp need up to "
            f"{need_pos} bp (lower --pairs-max or --gap-max, or raise --length)"
        )
    if config.decoy_fraction > 0:
        decoys = non_partner_pairs(len(widths), pairs)
        if len(decoys) < config.pairs_max:
            raise InputError(
                f"--decoys {config.decoy_fraction:g}: a decoy negative needs {config.pairs_max} distinct "
                f"non-interacting TF pairs, but only {len(decoys)} pairs of the {len(widths)} TFs do not interact "
                f"(lower --n-pairs or --pairs-max, or raise --n-tfs)")
        need_decoy = _worst_pairs_length(widths, decoys, config)  # over every non-partner pair: decoy_pairs draws a subset
        if need_decoy > L:
            raise InputError(
                f"--length {L} is too short: {config.pairs_max} non-interacting pairs of a decoy negative with "
                f"gaps up to {config.gap_max} bp need up to {need_decoy} bp (lower --pairs-max or --gap-max, "
                f"or raise --length)")
    k = config.neg_motifs_max
    if k > 0:
        need_neg = int(np.sort(widths)[::-1][:k].sum()) + (k - 1) * config.neg_spacing
        if need_neg > L:
            raise InputError(
                f"--length {L} is too short: {k} motifs of a negative {config.neg_spacing} bp apart need up "
                f"to {need_neg} bp (lower --neg-motifs-max or --neg-spacing, or raise --length)"
            )


# --- layout ---------------------------------------------------------------------------

def _pack_blocks(rng: np.random.Generator, block_len: np.ndarray, length: int, spacing: int) -> np.ndarray:
    """Random non-overlapping starts for blocks in the given order.

    block_len: np.ndarray, shape=(n, k), int — lengths of the blocks of n sequences, in
    their order along the sequence. Consecutive blocks keep at least ``spacing`` bases
    apart. Returns starts, shape=(n, k), int64. Requires every row to fit.
    """
    n, k = block_len.shape
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64)
    free = length - block_len.sum(axis=1) - (k - 1) * spacing  # (n,)
    assert (free >= 0).all(), "check_fit must run first"
    offsets = np.sort(rng.integers(0, free[:, None] + 1, size=(n, k)), axis=1)
    step = block_len + spacing
    return offsets + np.cumsum(step, axis=1) - step


def _k_distinct(rng: np.random.Generator, n: int, k: int, pool: int) -> np.ndarray:
    """``k`` distinct integers in ``[0, pool)`` for each of ``n`` rows, in random order (n, k)."""
    return np.argsort(rng.random((n, pool)), axis=1)[:, :k]


def layout_positives(rng: np.random.Generator, n: int, widths: np.ndarray, pairs: np.ndarray,
                     config: SimulationConfig) -> Implants:
    """Implants of ``n`` positives (sequence rows 0..n-1): distinct pairs, partners gap apart.

    Each positive draws ``pairs_min..pairs_max`` distinct pairs of the pair set; the two
    partners come in random order, ``gap_min..gap_max`` bases apart; pairs do not overlap.
    """
    counts = rng.integers(config.pairs_min, config.pairs_max + 1, size=n)
    parts = []
    for k in range(config.pairs_min, config.pairs_max + 1):
        rows = np.flatnonzero(counts == k)
        if rows.size == 0:
            continue
        m = rows.size
        pair_idx = _k_distinct(rng, m, k, len(pairs))  # (m, k), also the order along the sequence
        flip = rng.integers(0, 2, size=(m, k))
        first = pairs[pair_idx, flip]
        second = pairs[pair_idx, 1 - flip]
        gap = rng.integers(config.gap_min, config.gap_max + 1, size=(m, k))
        block = widths[first] + gap + widths[second]
        start1 = _pack_blocks(rng, block, config.length, 0)
        start2 = start1 + widths[first] + gap
        seq = np.repeat(rows, k).reshape(m, k)
        parts.append(Implants(
            seq=np.concatenate([seq, seq], axis=1).ravel(),
            motif=np.concatenate([first, second], axis=1).ravel(),
            start=np.concatenate([start1, start2], axis=1).ravel(),
            strand=np.zeros(2 * m * k, dtype=np.int64),
            pair=np.concatenate([pair_idx, pair_idx], axis=1).ravel(),
        ))
    return Implants.concat(parts)


def non_partner_pairs(n_motifs: int, pairs: np.ndarray) -> np.ndarray:
    """Every unordered pair ``i < j`` of ``n_motifs`` motifs that is not in ``pairs`` (m, 2), rows sorted."""
    i, j = np.triu_indices(n_motifs, k=1)
    interacting = np.zeros((n_motifs, n_motifs), dtype=bool)
    interacting[pairs[:, 0], pairs[:, 1]] = interacting[pairs[:, 1], pairs[:, 0]] = True
    keep = ~interacting[i, j]
    return np.stack([i[keep], j[keep]], axis=1).astype(np.int64)


def decoy_pairs(rng: np.random.Generator, n_motifs: int, pairs: np.ndarray, max_steps: int = 0) -> np.ndarray:
    """A set of non-interacting pairs in which every TF has as many partners as in ``pairs``.

    Degree-preserving rewiring of the pair graph (double-edge swaps: A-B, C-D -> A-D, C-B or
    A-C, B-D; never a TF with itself or a pair twice) until no pair of ``pairs`` is left.
    Decoy negatives drawn from it (``layout_positives``) hold each TF as often as the
    positives do, so a TF's presence says nothing about the label: only its partner does.

    pairs: int64 (m, 2) interacting pairs. Returns int64 (m, 2), rows sorted, none in ``pairs``.
    ``InputError`` when the rewiring cannot leave them all (too dense a pair set).
    """
    degree = np.bincount(np.asarray(pairs, dtype=np.int64).ravel(), minlength=n_motifs)
    if (2 * degree > n_motifs - 1).any():
        d = int(degree.max())
        raise InputError(
            f"--decoys: a TF has {d} partners among the {n_motifs - 1} others, so it cannot get as many "
            f"non-partners; lower --n-pairs or raise --n-tfs")
    true = {frozenset(map(int, p)) for p in pairs}
    edges = [tuple(map(int, p)) for p in pairs]
    current = {frozenset(e) for e in edges}
    m = len(edges)
    for _ in range(max_steps or 2000 * m):
        left = [i for i, e in enumerate(edges) if frozenset(e) in true]
        if not left or m < 2:
            break
        i = left[int(rng.integers(len(left)))]
        j = int(rng.integers(m - 1))
        j += j >= i
        (a, b), (c, d) = edges[i], edges[j]
        new = ((a, d), (c, b)) if rng.integers(2) else ((a, c), (b, d))
        keys = [frozenset(e) for e in new]
        if any(len(k) < 2 for k in keys) or keys[0] == keys[1] or any(k in current for k in keys):
            continue
        if sum(k in true for k in keys) > 1 + (frozenset(edges[j]) in true):
            continue  # more interacting pairs than before (equal is a sideways step, which escapes dead ends)
        current -= {frozenset(edges[i]), frozenset(edges[j])}
        current |= set(keys)
        edges[i], edges[j] = new
    if any(frozenset(e) in true for e in edges):
        raise InputError(
            f"--decoys: cannot pair the {n_motifs} TFs with non-partners as often as with partners "
            f"({m} pairs); lower --n-pairs or raise --n-tfs")
    return np.sort(np.array(edges, dtype=np.int64), axis=1)


def layout_negatives(rng: np.random.Generator, n: int, widths: np.ndarray,
                     config: SimulationConfig) -> Implants:
    """Implants of ``n`` negatives (rows 0..n-1): distinct motifs, ``neg_spacing`` apart."""
    counts = rng.integers(config.neg_motifs_min, config.neg_motifs_max + 1, size=n)
    parts = []
    for k in range(max(config.neg_motifs_min, 1), config.neg_motifs_max + 1):
        rows = np.flatnonzero(counts == k)
        if rows.size == 0:
            continue
        m = rows.size
        motif = _k_distinct(rng, m, k, len(widths))
        start = _pack_blocks(rng, widths[motif], config.length, config.neg_spacing)
        parts.append(Implants(
            seq=np.repeat(rows, k),
            motif=motif.ravel(),
            start=start.ravel(),
            strand=np.zeros(m * k, dtype=np.int64),
            pair=np.full(m * k, NO_PAIR),
        ))
    return Implants.concat(parts)


def assign_splits(rng: np.random.Generator, labels: np.ndarray, fractions: Sequence[float]) -> np.ndarray:
    """Stratified, shuffled train/valid/test assignment.

    Within each class the sequences are shuffled and cut at round(cumulative fraction x
    class size), so every split keeps the class balance. Returns an object array of
    split names, shape (n,). Raises InputError when a split with a positive fraction
    would lack a class.
    """
    splits = np.empty(labels.shape[0], dtype=object)
    cum = np.cumsum(fractions)
    for cls in (1, 0):
        rows = rng.permutation(np.flatnonzero(labels == cls))
        cuts = np.concatenate([[0], np.rint(cum * rows.size).astype(np.int64)])
        cuts[-1] = rows.size
        for s, name in enumerate(formats.SPLITS):
            part = rows[cuts[s]:cuts[s + 1]]
            if fractions[s] > 0 and part.size == 0:
                raise InputError(
                    f"--n-seqs {labels.shape[0]} is too small for --split-fractions "
                    f"{','.join(f'{f:g}' for f in fractions)}: the {name} split would get no "
                    f"{'positive' if cls else 'negative'} sequence"
                )
            splits[part] = name
    return splits


# --- the whole dataset ----------------------------------------------------------------

def simulate(config: SimulationConfig, motif_pool: Sequence[Motif], seed: int = 0,
             motif_source: dict = None, source_name: str = "the motif database") -> SimulatedData:
    """Simulate a dataset of positives (interacting pairs) and negatives (lone motifs).

    Parameters
    ----------
    config: SimulationConfig
        Validated settings (``presets.resolve``).
    motif_pool: sequence of Motif
        Candidate motifs (JASPAR or a MEME file); ``config.n_tfs`` are chosen.
    seed: int
        Seed of every random draw; same seed and inputs give the same dataset.
    motif_source: dict
        Where the motifs came from (copied into ``SimulatedData.motif_source``).

    Returns
    -------
    SimulatedData with ``codes`` of shape (n_seqs, length), uint8.
    """
    config.validate()
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    rng_motifs, rng_pairs, rng_layout, rng_background, rng_instances, rng_split = rngs
    background = np.asarray(config.background, dtype=np.float64)

    if len(motif_pool) < config.n_tfs:
        raise InputError(f"{source_name} has {len(motif_pool)} motifs, fewer than --n-tfs {config.n_tfs}")
    from satori.motifs.clusters import database_clusters

    clusters = database_clusters(motif_pool, threads=1)
    motifs = choose_motifs(motif_pool, config.n_tfs, rng_motifs, config.max_similarity, source_name,
                           cluster_labels=clusters.labels if config.distinct_clusters else None)
    pairs = choose_pairs(len(motifs), config.n_pairs, rng_pairs)
    widths = np.array([m.width for m in motifs], dtype=np.int64)
    check_fit(config, widths, pairs)
    # The split is checked before the (slower) sampling so a bad setting fails at once.
    n = config.n_seqs
    labels = np.zeros(n, dtype=np.uint8)
    labels[rng_layout.permutation(n)[: n // 2]] = 1
    splits = assign_splits(rng_split, labels, config.split_fractions)

    pos_rows = np.flatnonzero(labels == 1)
    neg_rows = np.flatnonzero(labels == 0)
    pos = layout_positives(rng_layout, pos_rows.size, widths, pairs, config)
    pos.seq = pos_rows[pos.seq]
    parts = [pos]
    if config.decoy_fraction > 0:  # no extra draw without decoys: such datasets stay as they were
        n_decoy = int(round(config.decoy_fraction * neg_rows.size))
        shuffled = rng_layout.permutation(neg_rows)
        decoy_rows, neg_rows = np.sort(shuffled[:n_decoy]), np.sort(shuffled[n_decoy:])
        decoy = layout_positives(rng_layout, decoy_rows.size, widths, decoy_pairs(rng_layout, len(widths), pairs), config)
        decoy.seq = decoy_rows[decoy.seq]
        decoy.pair = np.full(decoy.seq.size, NO_PAIR)
        parts.append(decoy)
    neg = layout_negatives(rng_layout, neg_rows.size, widths, config)
    neg.seq = neg_rows[neg.seq]
    implants = Implants.concat(parts + [neg]).sorted()
    implants.strand = rng_layout.integers(0, 2, size=implants.seq.size)

    codes = sample_background(rng_background, n, config.length, background)
    for m_idx, motif in enumerate(motifs):
        which = np.flatnonzero(implants.motif == m_idx)
        if which.size == 0:
            continue
        inst = sample_instances(rng_instances, motif.pwm, which.size, background,
                                motif_name=f"motif {motif.id} ({motif.name})")
        minus = implants.strand[which] == 1
        inst[minus] = reverse_complement_codes(inst[minus])
        cols = implants.start[which][:, None] + np.arange(motif.width)[None, :]
        codes[implants.seq[which][:, None], cols] = inst

    width = max(6, len(str(n)))
    ids = [f"seq{i:0{width}d}" for i in range(1, n + 1)]
    return SimulatedData(codes, ids, labels, splits, list(motifs), pairs, implants, config, seed,
                         dict(motif_source or {}), [clusters.of_motif(m.id)[1] for m in motifs])


# --- files ----------------------------------------------------------------------------

def decode_codes(codes: np.ndarray) -> List[str]:
    """Coded sequences (n, L) uint8 (0..3) -> n strings of A/C/G/T."""
    n, L = codes.shape
    text = LETTERS[codes].tobytes().decode("ascii")
    return [text[i * L:(i + 1) * L] for i in range(n)]


def implants_frame(data: SimulatedData) -> pd.DataFrame:
    """``implants.tsv`` as a frame: id, motif, tf, start, end (0-based, half-open), strand, pair."""
    imp = data.implants
    motif_ids = np.array([m.id for m in data.motifs], dtype=object)
    motif_tfs = np.array([m.name for m in data.motifs], dtype=object)
    widths = np.array([m.width for m in data.motifs], dtype=np.int64)
    cols = dict(zip(formats.IMPLANTS_COLUMNS, [
        np.asarray(data.ids, dtype=object)[imp.seq],
        motif_ids[imp.motif],
        motif_tfs[imp.motif],
        imp.start,
        imp.start + widths[imp.motif],
        np.where(imp.strand == 1, "-", "+"),
        imp.pair,
    ]))
    return pd.DataFrame(cols, columns=formats.IMPLANTS_COLUMNS)


def pairs_frame(data: SimulatedData) -> pd.DataFrame:
    """``pairs.tsv`` as a frame: tf1, tf2, motif1, motif2, cluster1, cluster2 (row i = pair index i)."""
    m = data.motifs
    cl = data.motif_clusters or [""] * len(m)
    rows = [(m[i].name, m[j].name, m[i].id, m[j].id, cl[i], cl[j]) for i, j in data.pairs.tolist()]
    return pd.DataFrame(rows, columns=formats.PAIRS_COLUMNS + formats.PAIRS_CLUSTER_COLUMNS)


def _tsv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, sep="\t", index=False, lineterminator="\n")
    return buf.getvalue()


def write_dataset(outdir: Path, data: SimulatedData, params: dict) -> None:
    """Write the dataset's files into ``outdir`` (a staging directory).

    Files: sequences.fa.gz, labels.tsv, pairs.tsv, motifs.meme, implants.tsv, params.json
    (``params`` plus the resolved settings, seed, motif source and counts).
    """
    outdir = Path(outdir)
    write_fasta(outdir / formats.SEQUENCES_FA, data.ids, decode_codes(data.codes))
    labels = pd.DataFrame({
        formats.LABELS_ID: data.ids,
        formats.LABELS_SPLIT: data.splits,
        LABEL_COLUMN: data.labels,
    })
    write_labels(outdir / formats.LABELS_TSV, labels)
    (outdir / formats.PAIRS_TSV).write_text(_tsv(pairs_frame(data)), encoding="utf-8")
    (outdir / formats.IMPLANTS_TSV).write_text(_tsv(implants_frame(data)), encoding="utf-8")
    write_meme(outdir / formats.MOTIFS_MEME, data.motifs, data.config.background)

    settings = dataclasses.asdict(data.config)
    settings["background"] = list(data.config.background)
    settings["split_fractions"] = list(data.config.split_fractions)
    full = dict(params)
    full.update({
        "satori_version": __version__,
        "seed": data.seed,
        "settings": settings,
        "motif_source": data.motif_source,
        "min_score_fraction": MIN_SCORE_FRACTION,
        "counts": {
            "sequences": int(data.labels.size),
            "positives": int(data.labels.sum()),
            "implants": int(data.implants.seq.size),
            **{s: int((data.splits == s).sum()) for s in formats.SPLITS},
        },
    })
    (outdir / formats.PARAMS_JSON).write_text(json.dumps(full, indent=2, sort_keys=False) + "\n", encoding="utf-8")
