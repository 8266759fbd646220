"""Gene annotation: GTF/GFF3 or TSS BED -> TSSs, promoters and genomic categories.

All coordinates returned are 0-based half-open; a TSS is a single base ``pos``
(0-based) with a strand. Parsing is vectorised pandas (regular expressions over the
attribute column), so a full Ensembl GTF reads in seconds.
"""

import io
import logging
import os
from pathlib import Path
from typing import Dict, Optional, Union

import numpy as np
import pandas as pd

from satori.data.regions import bioframe_quiet
from satori.errors import InputError
from satori.tsv import read_maybe_gzip

log = logging.getLogger("satori")

PathLike = Union[str, os.PathLike]

GTF_COLUMNS = ["chrom", "source", "feature", "start", "end", "score", "strand", "frame", "attributes"]
TRANSCRIPT_FEATURES = {
    "transcript", "mrna", "ncrna", "lnc_rna", "lncrna", "mirna", "snrna", "snorna", "trna", "rrna",
    "primary_transcript", "pseudogenic_transcript", "unconfirmed_transcript",
}
GENE_FEATURES = {"gene", "pseudogene", "ncrna_gene", "transposable_element_gene"}
UTR_FEATURES = {"utr", "five_prime_utr", "three_prime_utr", "5utr", "3utr", "utr5", "utr3"}


def _attr(attrs: pd.Series, keys, gff3: bool) -> pd.Series:
    """The first present attribute among ``keys`` (vectorised regex), "" when none."""
    out = pd.Series("", index=attrs.index, dtype=object)
    for key in keys:
        pattern = rf"(?:^|;)\s*{key}=([^;]*)" if gff3 else rf'(?:^|;)\s*{key} "([^"]*)"'
        val = attrs.str.extract(pattern, expand=False)
        fill = (out == "") & val.notna() & (val != "")
        out[fill] = val[fill]
    return out


def read_annotation(path: PathLike) -> pd.DataFrame:
    """Read a GTF or GFF3 file (gz allowed).

    Returns
    -------
    ann: pd.DataFrame
        ``chrom``, ``start`` (0-based), ``end``, ``strand`` (+/-/.), ``feature`` (lower
        case), ``gene`` (gene_name / Name, else gene_id / ID), ``transcript`` (transcript
        id or ID), one row per line.

    Raises
    ------
    InputError
        Missing file, not 9 tab-separated columns, bad coordinates.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--gtf {path}: annotation file not found")
    data = read_maybe_gzip(path, "--gtf")
    gff3 = b"##gff-version 3" in data[:1000]
    # GFF3 may end with a FASTA section; everything after ##FASTA is sequence.
    cut = data.find(b"\n##FASTA")
    if cut >= 0:
        data = data[:cut]
    try:
        df = pd.read_csv(
            io.BytesIO(data), sep="\t", header=None, comment="#", dtype=str, keep_default_na=False,
            names=GTF_COLUMNS, engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"--gtf {path}: cannot parse as GTF/GFF3 ({str(exc).splitlines()[0]})") from None
    if df.empty:
        raise InputError(f"--gtf {path}: no annotation lines")
    if (df["attributes"] == "").all():
        raise InputError(f"--gtf {path}: not a GTF/GFF3 file (expected 9 tab-separated columns)")
    if not gff3:
        sample = df["attributes"].head(50)
        gff3 = bool(sample.str.contains(r"^\s*[A-Za-z_]+=", regex=True).mean() > 0.5)
    start = pd.to_numeric(df["start"], errors="coerce")
    end = pd.to_numeric(df["end"], errors="coerce")
    bad = start.isna() | end.isna() | (start < 1) | (end < start)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"--gtf {path}: bad coordinates on data line {i + 1} (start '{df['start'].iloc[i]}', end '{df['end'].iloc[i]}')"
        )
    attrs = df["attributes"]
    if gff3:
        gene = _attr(attrs, ["gene_name", "Name", "gene", "gene_id", "ID"], gff3=True)
        tx = _attr(attrs, ["transcript_id", "ID", "Parent"], gff3=True)
    else:
        gene = _attr(attrs, ["gene_name", "gene_id", "gene"], gff3=False)
        tx = _attr(attrs, ["transcript_id"], gff3=False)
    return pd.DataFrame({
        "chrom": df["chrom"].astype(str),
        "start": start.astype(np.int64) - 1,
        "end": end.astype(np.int64),
        "strand": df["strand"].where(df["strand"].isin(["+", "-"]), "."),
        "feature": df["feature"].str.lower(),
        "gene": gene.astype(str),
        "transcript": tx.astype(str),
    })


def transcripts(ann: pd.DataFrame, path: PathLike = "") -> pd.DataFrame:
    """Transcript-like rows (transcript, mRNA, ncRNA, ...), else gene rows.

    Raises InputError when the annotation has neither (nothing to take TSSs from).
    """
    tx = ann[ann["feature"].isin(TRANSCRIPT_FEATURES)]
    if tx.empty:
        tx = ann[ann["feature"].isin(GENE_FEATURES)]
    if tx.empty:
        found = ", ".join(sorted(ann["feature"].unique())[:8])
        raise InputError(
            f"--gtf {path}: no gene or transcript lines (feature column has: {found}); TSSs come from "
            f"transcript/mRNA or gene lines"
        )
    return tx


def tss_from_annotation(ann: pd.DataFrame, path: PathLike = "") -> pd.DataFrame:
    """TSSs of the transcripts (or genes): ``chrom``, ``pos`` (0-based), ``strand``, ``gene``.

    ``+`` strand: the first base (``start``); ``-`` strand: the last base (``end - 1``);
    unstranded rows count as ``+``. Duplicates (same position, strand and gene) removed.
    """
    tx = transcripts(ann, path)
    minus = (tx["strand"] == "-").to_numpy()
    pos = np.where(minus, tx["end"].to_numpy() - 1, tx["start"].to_numpy())
    out = pd.DataFrame({
        "chrom": tx["chrom"].to_numpy(),
        "pos": pos.astype(np.int64),
        "strand": np.where(minus, "-", "+"),
        "gene": tx["gene"].to_numpy(),
    })
    return out.drop_duplicates().reset_index(drop=True)


def read_tss_bed(path: PathLike) -> pd.DataFrame:
    """A TSS BED (BED6: chrom, start, end, name, score, strand) -> the ``tss_from_annotation`` frame.

    The TSS is ``start`` on ``+`` and ``end - 1`` on ``-`` (a 1-bp interval gives its base).
    """
    from satori.data.regions import read_text_lines

    path = Path(path)
    if not path.is_file():
        raise InputError(f"--tss {path}: file not found")
    rows = [ln.split("\t") for ln in read_text_lines(path)
            if ln.strip() and not ln.startswith(("#", "track", "browser"))]
    if not rows:
        raise InputError(f"--tss {path}: no TSS lines")
    if min(len(r) for r in rows) < 6:
        raise InputError(f"--tss {path}: a TSS BED needs 6 tab-separated columns (chrom, start, end, name, score, strand)")
    df = pd.DataFrame([r[:6] for r in rows], columns=["chrom", "start", "end", "name", "score", "strand"])
    start = pd.to_numeric(df["start"], errors="coerce")
    end = pd.to_numeric(df["end"], errors="coerce")
    bad = start.isna() | end.isna() | (start < 0) | (end < start) | ~df["strand"].isin(["+", "-"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"--tss {path}: line {i + 1}: bad coordinates or strand (need start <= end, strand + or -)")
    minus = (df["strand"] == "-").to_numpy()
    pos = np.where(minus, np.maximum(end.to_numpy() - 1, start.to_numpy()), start.to_numpy())
    out = pd.DataFrame({"chrom": df["chrom"], "pos": pos.astype(np.int64), "strand": df["strand"], "gene": df["name"]})
    return out.drop_duplicates().reset_index(drop=True)


def promoters(tss: pd.DataFrame, upstream: int, downstream: int, sizes: Optional[Dict[str, int]] = None) -> pd.DataFrame:
    """Promoter intervals around each TSS, strand-aware.

    ``+``: ``[pos - upstream, pos + 1 + downstream)``; ``-``: ``[pos - downstream, pos + 1 + upstream)``
    — the TSS base plus ``upstream`` bases upstream and ``downstream`` bases downstream,
    clipped to the chromosome (``sizes``, when given).

    Returns ``chrom``, ``start``, ``end``, ``gene``, ``pos``, ``strand``.
    """
    pos = tss["pos"].to_numpy(dtype=np.int64)
    minus = (tss["strand"] == "-").to_numpy()
    start = np.where(minus, pos - downstream, pos - upstream)
    end = np.where(minus, pos + 1 + upstream, pos + 1 + downstream)
    start = np.maximum(start, 0)
    if sizes is not None:
        end = np.minimum(end, tss["chrom"].map(sizes).to_numpy(dtype=np.int64))
    return pd.DataFrame({
        "chrom": tss["chrom"].to_numpy(), "start": start, "end": end,
        "gene": tss["gene"].to_numpy(), "pos": pos, "strand": tss["strand"].to_numpy(),
    })


def annotation_categories(
    ann: pd.DataFrame, tss: pd.DataFrame, sizes: Dict[str, int], upstream: int, downstream: int, flank: int
) -> pd.DataFrame:
    """Genomic categories for enhancer negatives (the paper's ChIPseeker-style features).

    - ``exon``: exon lines;
    - ``utr``: UTR lines (five/three_prime_utr, UTR), else exon parts outside CDS;
    - ``promoter``: ``promoters(tss, upstream, downstream)``;
    - ``intron``: transcript (or gene) bodies not covered by any exon;
    - ``downstream``: ``flank`` bp after each transcript's end (strand-aware);
    - ``distal``: the genome outside transcripts, promoters and downstream regions.

    Categories may overlap each other (an exon of one gene can lie in another's promoter).

    Returns
    -------
    cats: pd.DataFrame — ``chrom``, ``start``, ``end``, ``category``, ``gene``; only
    chromosomes in ``sizes``; intervals clipped to the chromosome, non-empty.
    """
    import bioframe

    ann = ann[ann["chrom"].isin(sizes.keys())]
    tss = tss[tss["chrom"].isin(sizes.keys())]
    parts = []
    cols = ["chrom", "start", "end", "gene"]
    exons = ann[ann["feature"] == "exon"][cols]
    parts.append(exons.assign(category="exon"))
    utr = ann[ann["feature"].isin(UTR_FEATURES)][cols]
    if utr.empty:
        cds = ann[ann["feature"] == "cds"][cols]
        if not cds.empty and not exons.empty:
            with bioframe_quiet():
                utr = bioframe.subtract(exons, cds)[cols]
    parts.append(utr.assign(category="utr"))
    prom = promoters(tss, upstream, downstream, sizes)[cols]
    parts.append(prom.assign(category="promoter"))
    tx = ann[ann["feature"].isin(TRANSCRIPT_FEATURES)]
    if tx.empty:
        tx = ann[ann["feature"].isin(GENE_FEATURES)]
    tx = tx[cols + ["strand"]]
    if not tx.empty:
        if not exons.empty:
            with bioframe_quiet():
                intron = bioframe.subtract(tx[cols], exons[cols])[cols]
        else:
            intron = tx[cols]
        parts.append(intron.assign(category="intron"))
        minus = (tx["strand"] == "-").to_numpy()
        ds_start = np.where(minus, tx["start"].to_numpy() - flank, tx["end"].to_numpy())
        down = pd.DataFrame({
            "chrom": tx["chrom"].to_numpy(), "start": ds_start, "end": ds_start + flank,
            "gene": tx["gene"].to_numpy(),
        })
        parts.append(down.assign(category="downstream"))
    occupied_parts = [prom]
    if not tx.empty:
        occupied_parts += [tx[cols], down[cols]]
    occupied = pd.concat(occupied_parts, ignore_index=True)
    view = pd.DataFrame({"chrom": list(sizes), "start": 0, "end": list(sizes.values()), "name": list(sizes)})
    with bioframe_quiet():
        if occupied.empty:
            distal = view[["chrom", "start", "end"]].copy()
        else:
            distal = bioframe.complement(occupied[["chrom", "start", "end"]], view_df=view)[["chrom", "start", "end"]]
    parts.append(distal.assign(gene="", category="distal"))
    cats = pd.concat(parts, ignore_index=True)
    size = cats["chrom"].map(sizes).to_numpy(dtype=np.int64)
    cats["start"] = np.clip(cats["start"].to_numpy(dtype=np.int64), 0, size)
    cats["end"] = np.clip(cats["end"].to_numpy(dtype=np.int64), 0, size)
    cats = cats[cats["end"] > cats["start"]]
    return cats[["chrom", "start", "end", "category", "gene"]].reset_index(drop=True)
