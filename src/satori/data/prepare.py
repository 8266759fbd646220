"""Datasets from peaks, a genome and an annotation: the three modes of satori-prepare-dhs.

- ``promoter`` (the paper's human DHS set): peaks overlapping a promoter (``upstream`` bp
  upstream of a TSS, strand-aware, plus ``downstream`` bp) are merged when they share more
  than ``merge_overlap`` bp (transitively), each merged region is re-centred to
  ``length`` bp around its midpoint, its labels are the union of its peaks' samples;
  regions running off a chromosome or with more than ``max_n`` N are dropped.
- ``genome`` (the Arabidopsis set): the same without the promoter filter.
- ``enhancer`` (the STARR-seq set): positives from one BED (merged and re-centred the
  same way), negatives sampled from annotation categories (exon, promoter, UTR, intron,
  downstream, distal intergenic) as ``length``-bp windows overlapping no positive,
  ``neg_ratio`` per positive in the proportions of ``neg_mix``; one binary label.

All interval work is vectorised (numpy, pandas, bioframe); no loop over peak pairs.
"""

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from satori import formats
from satori.data.annotation import annotation_categories, promoters
from satori.data.genome import Genome, map_chroms
from satori.data.regions import (
    bioframe_quiet, merge_clusters, off_end, read_bed, recentre, region_ids, split_by_chrom,
    split_random, union_labels,
)
from satori.errors import InputError
from satori.tsv import read_tsv

log = logging.getLogger("satori")

DEFAULT_NEG_MIX = "exon=0.53,promoter=0.38,distal=0.06,intron=0.01,utr=0.01,downstream=0.01"


# --- peaks --------------------------------------------------------------------------


@dataclass
class PeakSet:
    """Peaks of one or many samples.

    intervals: pd.DataFrame (n_peaks rows) — ``chrom``, ``start``, ``end``, ``name``
    hit_peak, hit_sample: np.ndarray, shape=(n_hits,) — peak ``hit_peak[i]`` belongs to
        sample ``hit_sample[i]`` (a sparse peak × sample incidence; a samplesheet gives one
        hit per peak, an activity table one per 1)
    samples: list of str — sample (label) names
    source: str — the flag and file, for messages
    """

    intervals: pd.DataFrame
    hit_peak: np.ndarray
    hit_sample: np.ndarray
    samples: List[str]
    source: str


def _check_sample_names(names: Sequence[str], where: str) -> None:
    bad = [n for n in names if not n or any(c in n for c in "\t\n\r") or n in (formats.LABELS_ID, formats.LABELS_SPLIT)]
    if bad:
        raise InputError(f"{where}: sample name {bad[0]!r} cannot be a label column name")
    dup = pd.Index(names)[pd.Index(names).duplicated()]
    if len(dup):
        raise InputError(f"{where}: duplicate sample name '{dup[0]}'")


def read_samplesheet(path: Path) -> PeakSet:
    """A CSV with columns ``sample,bed`` (bed paths relative to the sheet) -> PeakSet."""
    sheet = read_tsv(path, "peak samplesheet", flag="--peaks", sep=",")
    sheet.columns = [c.strip().lower() for c in sheet.columns]
    missing = [c for c in formats.SAMPLESHEET_COLUMNS if c not in sheet.columns]
    if missing:
        raise InputError(
            f"--peaks {path}: samplesheet needs columns {','.join(formats.SAMPLESHEET_COLUMNS)} "
            f"(found {','.join(sheet.columns)})"
        )
    if sheet.empty:
        raise InputError(f"--peaks {path}: samplesheet has no rows")
    samples = [s.strip() for s in sheet["sample"]]
    _check_sample_names(samples, f"--peaks {path}")
    frames, hit_peak, hit_sample = [], [], []
    offset = 0
    for i, (sample, bed) in enumerate(zip(samples, sheet["bed"])):
        bed_path = Path(bed.strip())
        if not bed_path.is_absolute():
            bed_path = path.parent / bed_path
        df = read_bed(bed_path, flag=f"--peaks {path}: sample '{sample}':")
        frames.append(df)
        hit_peak.append(np.arange(offset, offset + len(df)))
        hit_sample.append(np.full(len(df), i))
        offset += len(df)
    return PeakSet(
        pd.concat(frames, ignore_index=True), np.concatenate(hit_peak), np.concatenate(hit_sample), samples,
        f"--peaks {path}",
    )


def read_activity(bed_path: Path, activity_path: Path) -> PeakSet:
    """A merged BED plus a 0/1 activity table (Basset layout) -> PeakSet.

    The table is tab-separated with a header: the first column holds region ids, the
    others one 0/1 column per sample. Rows are matched to BED lines by the BED name
    column, else by ``chrom:start-end`` (a trailing ``(+)`` is ignored), else — when
    neither matches anything and the row counts agree — by position.
    """
    bed = read_bed(bed_path)
    act = read_tsv(activity_path, "activity table", flag="--activity")
    if act.shape[1] < 2 or act.empty:
        raise InputError(f"--activity {activity_path}: need an id column and at least one sample column, with rows")
    samples = [str(c).strip() for c in act.columns[1:]]
    _check_sample_names(samples, f"--activity {activity_path}")
    values = act.iloc[:, 1:]
    ok = values.isin(["0", "1"]).to_numpy()
    if not ok.all():
        r, c = np.argwhere(~ok)[0]
        raise InputError(
            f"--activity {activity_path}: values must be 0/1; found '{values.iat[r, c]}' in column '{samples[c]}' row {r + 2}"
        )
    matrix = (values.to_numpy() == "1")
    ids = act.iloc[:, 0].str.replace(r"\([+.-]\)$", "", regex=True)
    index = pd.Index(ids)
    if index.duplicated().any():
        raise InputError(f"--activity {activity_path}: duplicate id '{index[index.duplicated()][0]}'")
    by_name = index.get_indexer(bed["name"]) if (bed["name"] != "").all() else np.full(len(bed), -1)
    by_coord = index.get_indexer(region_ids(bed["chrom"], bed["start"], bed["end"]))
    row = by_name if (by_name >= 0).sum() >= (by_coord >= 0).sum() else by_coord
    if (row < 0).all() and len(bed) == len(act):
        log.info("--activity: ids match neither BED names nor coordinates; rows matched by position")
        row = np.arange(len(bed))
    if (row < 0).any():
        i = int(np.flatnonzero(row < 0)[0])
        raise InputError(
            f"--activity {activity_path}: no row for BED line {i + 1} ({bed['chrom'].iat[i]}:{bed['start'].iat[i]}-"
            f"{bed['end'].iat[i]}, name '{bed['name'].iat[i]}')"
        )
    peak, sample = np.nonzero(matrix[row])
    return PeakSet(bed, peak.astype(np.int64), sample.astype(np.int64), samples, f"--peaks {bed_path}")


def load_peaks(peaks: str, activity: Optional[str] = None, sample_name: Optional[str] = None) -> PeakSet:
    """``--peaks`` (a samplesheet ``*.csv`` or a BED) and optional ``--activity`` -> PeakSet.

    A single BED without an activity table is one sample named ``sample_name`` (default:
    the file name without its BED/gz suffixes).
    """
    path = Path(peaks)
    if not path.is_file():
        raise InputError(f"--peaks {path}: file not found")
    if activity:
        return read_activity(path, Path(activity))
    if path.name.lower().endswith(".csv"):
        return read_samplesheet(path)
    bed = read_bed(path)
    if sample_name is None:
        sample_name = path.name
        for suffix in (".gz", ".bed", ".narrowpeak", ".broadpeak", ".txt"):
            if sample_name.lower().endswith(suffix):
                sample_name = sample_name[: -len(suffix)]
    return PeakSet(bed, np.arange(len(bed)), np.zeros(len(bed), dtype=np.int64), [sample_name], f"--peaks {path}")


# --- settings and results -------------------------------------------------------------


@dataclass
class Settings:
    """The knobs of ``prepare`` (the CLI flags of satori-prepare-dhs, same names)."""

    mode: str = "promoter"
    upstream: int = 1000
    downstream: int = 0
    merge_overlap: int = 200
    length: int = 600
    max_n: float = 0.1
    valid_chroms: Sequence[str] = ("17", "20", "21")
    test_chroms: Sequence[str] = ("15", "16", "22", "X", "Y")
    split: str = "chrom"
    neg_ratio: float = 10.0
    neg_mix: Dict[str, float] = field(default_factory=lambda: parse_neg_mix(DEFAULT_NEG_MIX))
    label_name: str = "enhancer"
    drop_unknown_chroms: bool = False
    seed: int = 0


@dataclass
class Dataset:
    """A prepared dataset.

    regions: pd.DataFrame — ``formats.REGIONS_COLUMNS``, in genome order
    labels: pd.DataFrame — ``id``, ``split``, one uint8 column per label, same order
    seqs: list of str — the genome's sequence of each region
    summary: dict — counts (regions per split, positives per label, drops per filter)
    """

    regions: pd.DataFrame
    labels: pd.DataFrame
    seqs: List[str]
    summary: dict


def parse_neg_mix(text: str) -> Dict[str, float]:
    """``"exon=0.53,promoter=0.38,..."`` -> weights summing to 1 (categories absent get 0)."""
    weights = {c: 0.0 for c in formats.NEGATIVE_CATEGORIES}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise InputError(f"--neg-mix: expected category=fraction items, got '{item.strip()}'")
        key, val = (t.strip() for t in item.split("=", 1))
        key = key.lower()
        if key not in weights:
            raise InputError(f"--neg-mix: unknown category '{key}' (use {', '.join(formats.NEGATIVE_CATEGORIES)})")
        try:
            w = float(val)
        except ValueError:
            raise InputError(f"--neg-mix: '{val}' is not a number (category {key})") from None
        if not np.isfinite(w) or w < 0:
            raise InputError(f"--neg-mix: fraction of {key} must be >= 0, got {val}")
        weights[key] = w
    total = sum(weights.values())
    if total <= 0:
        raise InputError("--neg-mix: fractions sum to 0")
    return {k: v / total for k, v in weights.items()}


def allocate(total: int, weights: Dict[str, float]) -> Dict[str, int]:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainder)."""
    keys = list(weights)
    w = np.array([weights[k] for k in keys], dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        return {k: 0 for k in keys}
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return dict(zip(keys, base.tolist()))


# --- shared steps ---------------------------------------------------------------------


def _nonempty(n: int, what: str) -> None:
    if n == 0:
        raise InputError(f"every region was removed by the {what}")


def _map_to_genome(chroms: pd.Series, genome: Genome, what: str) -> Tuple[np.ndarray, np.ndarray]:
    """Genome chromosome names for ``chroms`` and a mask of those the genome lacks."""
    uniq = pd.unique(chroms)
    mapping = map_chroms(uniq, genome.names)
    if not mapping:
        raise InputError(
            f"{what}: no chromosome names in common with --genome {genome.path.name} "
            f"({what.split()[0]} has {', '.join(map(str, uniq[:4]))}; the genome has {', '.join(genome.names[:4])})"
        )
    mapped = chroms.map(mapping)
    unknown = mapped.isna().to_numpy()
    return mapped.fillna("").to_numpy(dtype=object), unknown


def _map_peaks(peaks: PeakSet, genome: Genome, settings: Settings, dropped: Dict[str, int]) -> Tuple[pd.DataFrame, np.ndarray]:
    """Peaks on genome chromosome names, and the mask of peaks still in play."""
    chrom, unknown = _map_to_genome(peaks.intervals["chrom"], genome, peaks.source)
    if unknown.any():
        names = pd.unique(peaks.intervals["chrom"][unknown])
        if not settings.drop_unknown_chroms:
            raise InputError(
                f"{peaks.source}: {int(unknown.sum())} peaks on chromosomes absent from the genome "
                f"({', '.join(map(str, names[:5]))}); pass --drop-unknown-chroms to drop them"
            )
        dropped["unknown_chrom"] = int(unknown.sum())
    iv = pd.DataFrame({"chrom": chrom, "start": peaks.intervals["start"].to_numpy(), "end": peaks.intervals["end"].to_numpy()})
    size = iv["chrom"].map(genome.sizes).to_numpy(dtype=np.float64)
    past = ~unknown & (iv["end"].to_numpy() > size)
    if past.any():
        i = int(np.flatnonzero(past)[0])
        raise InputError(
            f"{peaks.source}: {int(past.sum())} peaks end past their chromosome in --genome (e.g. "
            f"{iv['chrom'].iat[i]}:{iv['start'].iat[i]}-{iv['end'].iat[i]}, length {int(size[i])}); is it the right assembly?"
        )
    return iv, ~unknown


def _map_tss(tss: pd.DataFrame, genome: Genome, what: str) -> pd.DataFrame:
    chrom, unknown = _map_to_genome(tss["chrom"], genome, what)
    if unknown.any():
        log.info("%s: %d TSSs on chromosomes absent from the genome are ignored", what, int(unknown.sum()))
    out = tss.assign(chrom=chrom)[~unknown]
    size = out["chrom"].map(genome.sizes).to_numpy()
    return out[out["pos"].to_numpy() < size].reset_index(drop=True)


def _merge_and_recentre(
    iv: pd.DataFrame, alive: np.ndarray, peaks: PeakSet, settings: Settings, dropped: Dict[str, int]
) -> Tuple[pd.DataFrame, np.ndarray]:
    """Merge live peaks, re-centre, union labels, collapse identical windows.

    Returns the regions (``chrom``, ``start``, ``end`` of the window, ``span_start``,
    ``span_end`` of the merged peaks, ``n_peaks``) and their labels (n, n_samples) uint8.
    """
    idx = np.flatnonzero(alive)
    live = iv.iloc[idx]
    # Sorted input keeps bioframe's clustering and the outputs in genome order.
    cluster_live = merge_clusters(live["chrom"].to_numpy(), live["start"].to_numpy(), live["end"].to_numpy(),
                                  settings.merge_overlap)
    n_clusters = int(cluster_live.max()) + 1
    spans = pd.DataFrame({
        "cluster": cluster_live, "chrom": live["chrom"].to_numpy(),
        "start": live["start"].to_numpy(), "end": live["end"].to_numpy(),
    }).groupby("cluster", sort=True).agg(
        chrom=("chrom", "first"), span_start=("start", "min"), span_end=("end", "max"), n_peaks=("start", "size"),
    )
    dropped["merged_into_others"] = int(len(idx) - n_clusters)
    cluster = np.full(len(iv), -1, dtype=np.int64)
    cluster[idx] = cluster_live
    labels = union_labels(cluster, peaks.hit_peak, peaks.hit_sample, n_clusters, len(peaks.samples))
    start, end = recentre(spans["span_start"].to_numpy(), spans["span_end"].to_numpy(), settings.length)
    regions = pd.DataFrame({
        "chrom": spans["chrom"].to_numpy(), "start": start, "end": end,
        "span_start": spans["span_start"].to_numpy(), "span_end": spans["span_end"].to_numpy(),
        "n_peaks": spans["n_peaks"].to_numpy(),
    })
    # Two clusters can share a midpoint (a short peak inside a long one, sharing <= t bp):
    # same window, same id. Keep one window with the union of their labels.
    key = regions["chrom"].astype(str) + ":" + regions["start"].astype(str)
    dup = key.duplicated(keep="first").to_numpy()
    if dup.any():
        group = pd.factorize(key)[0]
        merged = np.zeros((group.max() + 1, labels.shape[1]), dtype=np.uint8)
        np.maximum.at(merged, group, labels)
        n_peaks = np.bincount(group, weights=regions["n_peaks"].to_numpy()).astype(np.int64)
        first = ~dup
        regions = regions[first].reset_index(drop=True)
        regions["n_peaks"] = n_peaks
        labels = merged
    dropped["duplicate_window"] = int(dup.sum())
    return regions, labels


def _filter_sequences(
    regions: pd.DataFrame, labels: np.ndarray, genome: Genome, settings: Settings, dropped: Dict[str, int], what: str
) -> Tuple[pd.DataFrame, np.ndarray, List[str]]:
    """Drop windows off a chromosome end or with > max_n N; fetch the sequences of the rest."""
    off = off_end(regions["chrom"].to_numpy(), regions["start"].to_numpy(), regions["end"].to_numpy(), genome.sizes)
    dropped["off_chrom_end"] = dropped.get("off_chrom_end", 0) + int(off.sum())
    regions, labels = regions[~off].reset_index(drop=True), labels[~off]
    _nonempty(len(regions), f"off-chromosome-end filter ({what}: every {settings.length}-bp window runs off its chromosome)")
    seqs, n_frac = genome.fetch_many(regions["chrom"].to_numpy(), regions["start"].to_numpy(), regions["end"].to_numpy())
    too_many_n = n_frac > settings.max_n
    dropped["too_many_n"] = dropped.get("too_many_n", 0) + int(too_many_n.sum())
    keep = np.flatnonzero(~too_many_n)
    _nonempty(len(keep), f"N filter ({what}: every window has more than --max-n {settings.max_n} N)")
    return regions.iloc[keep].reset_index(drop=True), labels[keep], [seqs[i] for i in keep]


def _assign_split(regions: pd.DataFrame, settings: Settings, rng: np.random.Generator) -> np.ndarray:
    if settings.split == "random":
        return split_random(len(regions), rng)
    return split_by_chrom(regions["chrom"].to_numpy(), settings.valid_chroms, settings.test_chroms)


def _finish(
    regions: pd.DataFrame, labels: np.ndarray, seqs: List[str], label_names: List[str], genome: Genome,
    settings: Settings, rng: np.random.Generator, summary: dict,
) -> Dataset:
    """Order by genome position, assign ids and splits, build the tables and the summary."""
    rank = {c: i for i, c in enumerate(genome.names)}
    order = np.lexsort((regions["start"].to_numpy(), regions["chrom"].map(rank).to_numpy()))
    regions = regions.iloc[order].reset_index(drop=True)
    labels = labels[order]
    seqs = [seqs[i] for i in order]
    regions["id"] = region_ids(regions["chrom"], regions["start"], regions["end"])
    regions["split"] = _assign_split(regions, settings, rng)
    table = pd.DataFrame(labels, columns=label_names)
    table.insert(0, formats.LABELS_SPLIT, regions["split"].to_numpy())
    table.insert(0, formats.LABELS_ID, regions["id"].to_numpy())
    per_split = {s: int((regions["split"] == s).sum()) for s in formats.SPLITS}
    for s, n in per_split.items():
        if n == 0:
            log.warning("split '%s' is empty (check --valid-chroms/--test-chroms against the genome's names)", s)
    summary.update({
        "regions": int(len(regions)),
        "regions_per_split": per_split,
        "positives_per_label": dict(zip(label_names, labels.sum(axis=0, dtype=np.int64).tolist())),
        "positives_per_label_per_split": {
            s: dict(zip(label_names, labels[(regions["split"] == s).to_numpy()].sum(axis=0, dtype=np.int64).tolist()))
            for s in formats.SPLITS
        },
    })
    return Dataset(regions[formats.REGIONS_COLUMNS], table, seqs, summary)


# --- modes ---------------------------------------------------------------------------


def prepare_peaks(peaks: PeakSet, genome: Genome, settings: Settings, tss: Optional[pd.DataFrame] = None) -> Dataset:
    """Promoter or genome mode (``settings.mode``): a multi-label dataset, one label per sample.

    Parameters
    ----------
    peaks: PeakSet
    genome: Genome
    settings: Settings
    tss: pd.DataFrame, required in promoter mode — ``chrom``, ``pos``, ``strand``, ``gene``
    """
    if settings.mode not in ("promoter", "genome"):
        raise ValueError(f"prepare_peaks: mode must be promoter or genome, got {settings.mode}")
    if settings.mode == "promoter" and tss is None:
        raise InputError("--mode promoter needs an annotation: --gtf or --tss")

    rng = np.random.default_rng(settings.seed)
    dropped: Dict[str, int] = {}
    summary = {"mode": settings.mode, "samples": len(peaks.samples), "peaks_read": int(len(peaks.intervals)),
               "dropped": dropped}
    iv, alive = _map_peaks(peaks, genome, settings, dropped)
    _nonempty(int(alive.sum()), "unknown-chromosome filter (no peak lies on a chromosome of the genome)")

    prom = None
    if settings.mode == "promoter":
        import bioframe

        tss = _map_tss(tss, genome, "--gtf/--tss")
        prom = promoters(tss, settings.upstream, settings.downstream, genome.sizes)
        summary["tss"] = int(len(tss))
        idx = np.flatnonzero(alive)
        with bioframe_quiet():
            counts = bioframe.count_overlaps(iv.iloc[idx].reset_index(drop=True), prom[["chrom", "start", "end"]])
        inside = counts["count"].to_numpy() > 0
        dropped["outside_promoter"] = int((~inside).sum())
        alive[idx[~inside]] = False
        _nonempty(int(alive.sum()), f"promoter filter (no peak overlaps the {settings.upstream} bp upstream of a TSS)")

    regions, labels = _merge_and_recentre(iv, alive, peaks, settings, dropped)
    regions["origin"] = "peak"
    regions["tss"] = "."
    if prom is not None:
        import bioframe

        # The closest TSS to each merged span names the region's gene.
        span = pd.DataFrame({"chrom": regions["chrom"], "start": regions["span_start"], "end": regions["span_end"]})
        points = pd.DataFrame({"chrom": tss["chrom"], "start": tss["pos"], "end": tss["pos"] + 1,
                               "gene": tss["gene"], "strand": tss["strand"]})
        with bioframe_quiet():
            near = bioframe.closest(span, points, return_index=True, suffixes=("", "_tss"))
        near = near.sort_values("index").drop_duplicates("index")
        regions["origin"] = near["gene_tss"].fillna(".").astype(str).to_numpy()
        regions["tss"] = (near["chrom_tss"].astype(str) + ":" + near["start_tss"].astype(str) + ":"
                          + near["strand_tss"].astype(str)).to_numpy()
    regions, labels, seqs = _filter_sequences(regions, labels, genome, settings, dropped, "merged peaks")
    return _finish(regions, labels, seqs, list(peaks.samples), genome, settings, rng, summary)


def candidate_windows(cats: pd.DataFrame, length: int) -> pd.DataFrame:
    """``length``-bp windows tiling each category interval (one centred window when shorter).

    An interval of L bp gives k = max(1, L // length) windows centred at
    ``start + (2j + 1) * L // (2k)``, j = 0..k-1.
    """
    L = (cats["end"] - cats["start"]).to_numpy(dtype=np.int64)
    k = np.maximum(1, L // length)
    rep = np.repeat(np.arange(len(cats)), k)
    first = np.repeat(np.cumsum(k) - k, k)
    j = np.arange(len(rep)) - first
    centre = cats["start"].to_numpy(dtype=np.int64)[rep] + ((2 * j + 1) * L[rep]) // (2 * k[rep])
    start = centre - length // 2
    return pd.DataFrame({
        "chrom": cats["chrom"].to_numpy()[rep], "start": start, "end": start + length,
        "category": cats["category"].to_numpy()[rep], "gene": cats["gene"].to_numpy()[rep],
    })


def _sample_negatives(
    cands: pd.DataFrame, targets: Dict[str, int], weights: Dict[str, float], genome: Genome,
    settings: Settings, rng: np.random.Generator, dropped: Dict[str, int],
) -> Tuple[pd.DataFrame, List[str], Dict[str, int]]:
    """Seeded draw of negatives per category; shortfalls move to categories with candidates left.

    Within a category candidates are visited in a random order; a window is taken unless it
    has more than max_n N or was already taken by an earlier category.
    """
    pools = {c: cands.index[(cands["category"] == c).to_numpy()].to_numpy() for c in formats.NEGATIVE_CATEGORIES}
    pools = {c: p[rng.permutation(len(p))] for c, p in pools.items()}
    cursor = {c: 0 for c in pools}
    taken_ids: set = set()
    chosen_rows: List[int] = []
    chosen_seqs: List[str] = []
    got = {c: 0 for c in pools}
    want = dict(targets)
    n_too_many_n = 0
    for _ in range(len(pools) + 1):
        for c in formats.NEGATIVE_CATEGORIES:
            pool = pools[c]
            while got[c] < want[c] and cursor[c] < len(pool):
                need = want[c] - got[c]
                chunk = pool[cursor[c]: cursor[c] + int(need * 1.25) + 16]
                cursor[c] += len(chunk)
                sub = cands.loc[chunk]
                seqs, n_frac = genome.fetch_many(sub["chrom"].to_numpy(), sub["start"].to_numpy(), sub["end"].to_numpy())
                ids = region_ids(sub["chrom"], sub["start"], sub["end"])
                for row, seq, nf, rid in zip(chunk, seqs, n_frac, ids):
                    if got[c] >= want[c]:
                        cursor[c] -= 1  # not consumed: rewind so a later top-up can use it
                        continue
                    if nf > settings.max_n:
                        n_too_many_n += 1
                        continue
                    if rid in taken_ids:
                        continue
                    taken_ids.add(rid)
                    chosen_rows.append(int(row))
                    chosen_seqs.append(seq)
                    got[c] += 1
        short = sum(want[c] - got[c] for c in pools)
        open_cats = {c: weights[c] for c in pools if cursor[c] < len(pools[c]) and weights[c] > 0}
        if short == 0 or not open_cats:
            break
        for c in pools:
            want[c] = got[c]
        for c, extra in allocate(short, open_cats).items():
            want[c] += extra
    dropped["negatives_too_many_n"] = n_too_many_n
    return cands.loc[chosen_rows].reset_index(drop=True), chosen_seqs, got


def prepare_enhancers(
    peaks: PeakSet, genome: Genome, settings: Settings, ann: pd.DataFrame, tss: pd.DataFrame
) -> Dataset:
    """Enhancer mode: positives from ``peaks`` (one sample), negatives from annotation categories."""
    import bioframe

    rng = np.random.default_rng(settings.seed)
    dropped: Dict[str, int] = {}
    summary = {"mode": "enhancer", "peaks_read": int(len(peaks.intervals)), "dropped": dropped}
    iv, alive = _map_peaks(peaks, genome, settings, dropped)
    _nonempty(int(alive.sum()), "unknown-chromosome filter (no enhancer lies on a chromosome of the genome)")
    single = dataclasses.replace(peaks, hit_peak=np.arange(len(iv)), hit_sample=np.zeros(len(iv), dtype=np.int64),
                                 samples=[settings.label_name])
    pos, pos_labels = _merge_and_recentre(iv, alive, single, settings, dropped)
    pos["origin"] = settings.label_name
    pos["tss"] = "."
    pos, pos_labels, pos_seqs = _filter_sequences(pos, pos_labels, genome, settings, dropped, "enhancers")

    # Negatives: category windows overlapping neither an enhancer nor a positive window.
    chrom, unknown = _map_to_genome(ann["chrom"], genome, "--gtf")
    ann = ann.assign(chrom=chrom)[~unknown]
    tss = _map_tss(tss, genome, "--gtf")
    cats = annotation_categories(ann, tss, genome.sizes, settings.upstream, settings.downstream, flank=settings.upstream)
    cands = candidate_windows(cats, settings.length)
    off = off_end(cands["chrom"].to_numpy(), cands["start"].to_numpy(), cands["end"].to_numpy(), genome.sizes)
    cands = cands[~off]
    positives = pd.concat([iv[alive][["chrom", "start", "end"]], pos[["chrom", "start", "end"]]], ignore_index=True)
    with bioframe_quiet():
        hits = bioframe.count_overlaps(cands[["chrom", "start", "end"]].reset_index(drop=True), positives)["count"]
    cands = cands[(hits.to_numpy() == 0)]
    cands = cands.drop_duplicates(["category", "chrom", "start"]).reset_index(drop=True)
    available = {c: int((cands["category"] == c).sum()) for c in formats.NEGATIVE_CATEGORIES}
    summary["negative_candidates"] = available
    n_neg = int(round(settings.neg_ratio * len(pos)))
    targets = allocate(n_neg, settings.neg_mix)
    neg, neg_seqs, got = _sample_negatives(cands, targets, settings.neg_mix, genome, settings, rng, dropped)
    if sum(got.values()) < n_neg:
        log.warning("only %d of %d negatives could be drawn (candidates per category: %s)",
                    sum(got.values()), n_neg, available)
    summary["negatives_requested"] = n_neg
    summary["negatives_target_per_category"] = targets
    summary["negatives_per_category"] = got
    neg = pd.DataFrame({
        "chrom": neg["chrom"], "start": neg["start"], "end": neg["end"], "origin": neg["category"],
        "tss": ".", "n_peaks": 0,
    })
    regions = pd.concat([pos[["chrom", "start", "end", "origin", "tss", "n_peaks"]], neg], ignore_index=True)
    labels = np.concatenate([pos_labels, np.zeros((len(neg), 1), dtype=np.uint8)])
    return _finish(regions, labels, pos_seqs + neg_seqs, [settings.label_name], genome, settings, rng, summary)
