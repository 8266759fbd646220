"""The report's figures: one function per figure, each returning ``(fig, table)``.

``fig`` is a matplotlib figure (Agg backend, no display needed); ``table`` is the
pandas DataFrame of the numbers drawn, saved next to the PNG and SVG so a user can
re-plot them. ``save_figure`` writes the three files and returns a ``Figure`` record
with the PNG embedded as a data URI for the HTML.
"""

import warnings
import base64
import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from satori.atomic import write_bytes, write_text  # noqa: E402

STYLE = {
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",  # text stays text in the SVG (editable, smaller)
    "svg.hashsalt": "satori",  # deterministic SVG ids
}
METHOD_COLORS = {"raw": "#1f77b4", "attr": "#ff7f0e", "dfim": "#2ca02c"}
DB_HATCH = {0: "", 1: "//", 2: "..", 3: "xx"}
DB_COLORS = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b")  # per database when one method is shown (= pr_over_q's C0, C1)


@dataclass
class Figure:
    """A figure written under ``figures/``: file names relative to the report directory."""

    name: str
    caption: str
    png: str
    svg: str
    tsv: str
    data_uri: str
    width: int = 0  # display width in CSS pixels (PNG pixels × 96 / dpi)


def styled(fn):
    """Run a figure function under the report's matplotlib style (fonts, SVG settings)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with plt.rc_context(STYLE):
            return fn(*args, **kwargs)
    return wrapper


def _png_width(data: bytes) -> int:
    return int.from_bytes(data[16:20], "big") if data[:8] == b"\x89PNG\r\n\x1a\n" else 0


@styled
def save_figure(fig, table: pd.DataFrame, outdir: Path, name: str, caption: str, dpi: int = 110,
                subdir: str = "figures", tight: bool = True) -> Figure:
    """Write ``<outdir>/<subdir>/<name>.png|.svg|.tsv`` and close ``fig``.

    ``name`` may contain a ``/`` (a sub-folder of figures/). ``tight=False`` keeps the
    figure's own margins (saves a layout pass; for the many small logo figures).
    Returns the ``Figure`` record.
    """
    bbox = "tight" if tight else None
    figdir = Path(outdir) / subdir
    stem = figdir / name
    try:
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=dpi, bbox_inches=bbox, metadata={"Software": None})
        svg = io.StringIO()
        fig.savefig(svg, format="svg", bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    png_bytes = png.getvalue()
    write_bytes(stem.with_name(stem.name + ".png"), png_bytes)
    write_text(stem.with_name(stem.name + ".svg"), svg.getvalue())
    buf = io.StringIO()
    table.to_csv(buf, sep="\t", index=False, lineterminator="\n", float_format="%.6g")
    write_text(stem.with_name(stem.name + ".tsv"), buf.getvalue())
    rel = f"{subdir}/{name}"
    return Figure(
        name=name, caption=caption, png=rel + ".png", svg=rel + ".svg", tsv=rel + ".tsv",
        data_uri="data:image/png;base64," + base64.b64encode(png_bytes).decode("ascii"),
        width=int(round(_png_width(png_bytes) * 96 / dpi)),
    )


def _fig(w: float, h: float, ncols: int = 1, nrows: int = 1, **kw):
    fig, axes = plt.subplots(nrows, ncols, figsize=(w, h), squeeze=False, **kw)
    for ax in axes.flat:
        for k in ("top", "right"):
            ax.spines[k].set_visible(False)
        ax.tick_params(labelsize=7)
    return fig, axes


def _small(ax, title: str = "", xlabel: str = "", ylabel: str = ""):
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)


# --- 2. training ----------------------------------------------------------------------

@styled
def training_curves(history: pd.DataFrame) -> Tuple[object, pd.DataFrame]:
    """Loss, entropy term and validation AUC per epoch (``history.tsv`` columns)."""
    panels = [
        ("Loss", [("train_loss", "train"), ("valid_loss", "valid")]),
        ("Entropy term", [("train_entropy", "train")] + ([("valid_entropy", "valid")] if "valid_entropy" in history else [])),
        ("Validation AUC", [("valid_auc", "valid")]),
        # filter sharpness (satori-train --monitor-seqs): blurry filters cannot be named
        ("Mean filter IC (bits)", [("filter_ic", "filters with sites")]),
    ]
    panels = [(t, [(c, lab) for c, lab in cols if c in history.columns and history[c].notna().any()])
              for t, cols in panels]
    panels = [p for p in panels if p[1]]
    if not panels:
        raise ValueError("history.tsv has none of the columns train_loss, valid_loss, train_entropy, valid_auc")
    x = history["epoch"] if "epoch" in history.columns else pd.Series(np.arange(1, len(history) + 1))
    fig, axes = _fig(3.0 * len(panels), 2.4, ncols=len(panels))
    for ax, (title, cols) in zip(axes[0], panels):
        for c, lab in cols:
            ax.plot(x, history[c], marker="o", ms=2.5, lw=1.2, label=lab)
        _small(ax, title, "epoch")
        if len(cols) > 1:
            ax.legend(frameon=False)
    fig.tight_layout()
    table = pd.DataFrame({"epoch": x.to_numpy()})
    for _, cols in panels:
        for c, _ in cols:
            table[c] = history[c].to_numpy()
    return fig, table


@styled
def roc_pr_curves(y_true: np.ndarray, y_score: np.ndarray, label_names: Sequence[str],
                  max_lines: int = 25) -> Tuple[object, pd.DataFrame, pd.DataFrame]:
    """Test ROC and precision-recall curves, per label, with AUCs.

    y_true, y_score: shape=(n, n_labels). Labels with a single class in the test set
    are skipped (no curve). For many labels the per-label curves are thin grey lines
    (at most ``max_lines`` drawn) under the macro-average curve.

    Returns (fig, curves table (label, curve, x, y) on a 101-point grid, AUC table
    (label, n_pos, n_neg, auroc, auprc)).
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

    grid = np.linspace(0, 1, 101)
    rows, aucs = [], []
    rocs, prs = [], []
    for j, name in enumerate(label_names):
        t, s = y_true[:, j], y_score[:, j]
        npos, nneg = int(t.sum()), int(len(t) - t.sum())
        if npos == 0 or nneg == 0:
            aucs.append({"label": name, "n_pos": npos, "n_neg": nneg, "auroc": np.nan, "auprc": np.nan})
            continue
        fpr, tpr, _ = roc_curve(t, s)
        prec, rec, _ = precision_recall_curve(t, s)
        tpr_g = np.interp(grid, fpr, tpr)
        order = np.argsort(rec)
        prec_g = np.interp(grid, rec[order], prec[order])
        rocs.append(tpr_g)
        prs.append(prec_g)
        aucs.append({"label": name, "n_pos": npos, "n_neg": nneg,
                     "auroc": roc_auc_score(t, s), "auprc": average_precision_score(t, s)})
        rows += [{"label": name, "curve": "roc", "x": a, "y": b} for a, b in zip(grid, tpr_g)]
        rows += [{"label": name, "curve": "pr", "x": a, "y": b} for a, b in zip(grid, prec_g)]
    auc_table = pd.DataFrame(aucs, columns=["label", "n_pos", "n_neg", "auroc", "auprc"])
    if not rocs:
        raise ValueError("no label has both positive and negative test sequences")
    fig, axes = _fig(6.4, 2.9, ncols=2)
    ax_roc, ax_pr = axes[0]
    many = len(rocs) > 1
    for k, (tpr_g, prec_g) in enumerate(zip(rocs, prs)):
        if not many:
            break
        if k < max_lines:
            ax_roc.plot(grid, tpr_g, color="0.75", lw=0.6)
            ax_pr.plot(grid, prec_g, color="0.75", lw=0.6)
    mean_roc, mean_pr = np.mean(rocs, axis=0), np.mean(prs, axis=0)
    ok = auc_table.dropna()
    lab_roc = f"{'mean ' if many else ''}AUROC {ok['auroc'].mean():.3f}"
    lab_pr = f"{'mean ' if many else ''}AUPRC {ok['auprc'].mean():.3f}"
    ax_roc.plot(grid, mean_roc, color="C0", lw=1.8, label=lab_roc)
    ax_pr.plot(grid, mean_pr, color="C3", lw=1.8, label=lab_pr)
    ax_roc.plot([0, 1], [0, 1], ls=":", color="0.5", lw=0.8)
    _small(ax_roc, "ROC (test)" + (f", {len(rocs)} labels" if many else ""), "false positive rate", "true positive rate")
    _small(ax_pr, "Precision-recall (test)" + (f", {len(rocs)} labels" if many else ""), "recall", "precision")
    for ax in (ax_roc, ax_pr):
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.legend(frameon=False, loc="lower right" if ax is ax_roc else "lower left")
    fig.tight_layout()
    if many:
        rows += [{"label": "macro-average", "curve": "roc", "x": a, "y": b} for a, b in zip(grid, mean_roc)]
        rows += [{"label": "macro-average", "curve": "pr", "x": a, "y": b} for a, b in zip(grid, mean_pr)]
    return fig, pd.DataFrame(rows, columns=["label", "curve", "x", "y"]), auc_table


# --- 3. filters -----------------------------------------------------------------------

def _ic_matrix(pwm: np.ndarray) -> pd.DataFrame:
    p = np.clip(np.asarray(pwm, dtype=np.float64), 1e-9, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    ic = 2.0 + (p * np.log2(p)).sum(axis=1, keepdims=True)
    return pd.DataFrame(p * np.clip(ic, 0, 2), columns=list("ACGT"))


def reverse_complement(pwm: np.ndarray) -> np.ndarray:
    """The reverse complement of a PWM, shape=(w, 4) in A, C, G, T order."""
    return np.asarray(pwm)[::-1, ::-1].copy()


@styled
def logo_pair(filter_pwm: np.ndarray, match_pwm: Optional[np.ndarray], filter_title: str,
              match_title: str = "") -> Tuple[object, pd.DataFrame]:
    """The logo of a filter (information content, bits) beside the logo of its match.

    filter_pwm, match_pwm: shape=(w, 4), probabilities A, C, G, T. With no match only
    the filter's logo is drawn. Table: source, position, A, C, G, T (probabilities).
    """
    import logomaker

    n = 2 if match_pwm is not None else 1
    widths = [max(len(filter_pwm), 4)] + ([max(len(match_pwm), 4)] if match_pwm is not None else [])
    fig, axes = _fig(0.12 * sum(widths) + 0.45 * n, 0.8, ncols=n, gridspec_kw={"width_ratios": widths})
    items = [("filter", filter_pwm, filter_title)] + ([("match", match_pwm, match_title)] if match_pwm is not None else [])
    rows = []
    for ax, (src, pwm, title) in zip(axes[0], items):
        with warnings.catch_warnings():
            # a filter without sites has an all-zero logo; logomaker warns about its flat y range
            warnings.simplefilter("ignore", UserWarning)
            logomaker.Logo(_ic_matrix(pwm), ax=ax, color_scheme="classic", vpad=0.02, show_spines=False)
        ax.set_ylim(0, 2)
        ax.set_yticks([0, 2])
        ax.set_xticks([])
        ax.set_title(title, fontsize=7, pad=2)
        ax.tick_params(labelsize=6, length=2)
        for i, row in enumerate(np.asarray(pwm)):
            rows.append({"source": src, "position": i + 1, "A": row[0], "C": row[1], "G": row[2], "T": row[3]})
    fig.subplots_adjust(left=0.3 / fig.get_figwidth(), right=0.99, bottom=0.04, top=0.78,
                        wspace=0.35 / fig.get_figwidth() * n)
    return fig, pd.DataFrame(rows, columns=["source", "position", "A", "C", "G", "T"])


# --- 4. attention ---------------------------------------------------------------------

@styled
def attention_heatmap(attn: np.ndarray, hits: pd.DataFrame, title: str,
                      implants: Optional[pd.DataFrame] = None, max_labels: int = 30) -> Tuple[object, pd.DataFrame]:
    """Heatmap of one sequence's attention (max over heads), filter hits on the axes.

    attn: shape=(L', L'), rows = query positions, columns = key positions (pooled).
    hits: rows (position, label, strength) — the strongest filter hit per pooled
    position; drawn as ticks on both axes; the hits of TF-named filters are labelled
    with the TF (only when there are none, the strongest hits with the filter number).
    implants: optional rows (position, tf) — implanted motifs of a simulated sequence,
    marked with red triangles on the top axis.
    Table: the matrix, one row per query position.
    """
    L = attn.shape[0]
    fig, axes = _fig(5.4, 5.0)
    ax = axes[0, 0]
    im = ax.imshow(attn, cmap="viridis", interpolation="nearest", aspect="equal", origin="upper")
    cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cb.ax.tick_params(labelsize=6)
    cb.set_label("attention (max over heads)", fontsize=7)
    ax.set_title(title, fontsize=9)
    if hits is not None and len(hits):
        # every hit is a short red tick; the strongest hits, spaced so labels do not
        # overlap, also get their label on a longer tick
        min_gap = max(1.0, L / 45)
        labelled = []
        # only hits of a named filter (a TF) are labelled when there are any; unnamed ones
        # (f12) stay short ticks
        named = ~hits["label"].astype(str).str.fullmatch(r"f\d+")
        ordered = (hits[named] if named.any() else hits).sort_values("strength", ascending=False)
        for row in ordered.itertuples():
            if len(labelled) >= max_labels:
                break
            if all(abs(row.position - p) >= min_gap for p, _ in labelled):
                labelled.append((row.position, str(row.label)))
        labelled.sort()
        pos = [p for p, _ in labelled]
        labels = [t for _, t in labelled]
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_ticks(pos)
            axis.set_ticks(hits["position"].to_numpy(), minor=True)
        ax.set_xticklabels(labels, rotation=90, fontsize=6.5)
        ax.set_yticklabels(labels, fontsize=6.5)
        ax.tick_params(which="major", length=5, color="#d62728", width=1.2)
        ax.tick_params(which="minor", length=2.5, color="#d62728", width=0.8)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    ax.set_xlabel("key position (pooled); ticks = filter hits", fontsize=7)
    ax.set_ylabel("query position (pooled)", fontsize=7)
    if implants is not None and len(implants):
        ax.plot(implants["position"], np.full(len(implants), -0.5), marker="v", ls="", color="#d62728",
                ms=5, clip_on=False, zorder=5)
        top = ax.secondary_xaxis("top")
        top.set_xticks(implants["position"].to_numpy())
        top.set_xticklabels([str(t) for t in implants["tf"]], rotation=90, fontsize=5.5, color="#d62728")
        top.tick_params(length=0, pad=6)
    ax.set_xlim(-0.5, L - 0.5)
    ax.set_ylim(L - 0.5, -0.5)
    for s in ("top", "right"):
        ax.spines[s].set_visible(True)
    fig.tight_layout()
    table = pd.DataFrame(attn, columns=[f"key_{j}" for j in range(L)])
    table.insert(0, "query", np.arange(L))
    return fig, table


@styled
def attention_distribution(values: np.ndarray, cutoff: Optional[float] = None) -> Tuple[object, pd.DataFrame]:
    """Histogram of attention values (max over heads) over the sequences, log counts.

    With the entropy loss the distribution turns bimodal (paper Fig. 4a).
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError("no attention values")
    counts, edges = np.histogram(values, bins=50, range=(0.0, max(1e-6, float(values.max()))))
    fig, axes = _fig(4.2, 2.4)
    ax = axes[0, 0]
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="C0", edgecolor="none")
    ax.set_yscale("log")
    if cutoff is not None:
        ax.axvline(cutoff, color="#d62728", ls="--", lw=1, label=f"mean = {cutoff:.3g}")
        ax.legend(frameon=False)
    _small(ax, "Attention values", "attention (max over heads)", "count (log)")
    fig.tight_layout()
    return fig, pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts})


# --- 5. interactions ------------------------------------------------------------------

TRUE_COLOR = "#1a9850"  # a simulated true pair
FALSE_COLOR = "#d6604d"  # a significant pair the simulation did not implant


def edge_widths(q: np.ndarray, lo: float = 0.8, hi: float = 5.0) -> np.ndarray:
    """Edge widths that differ visibly: −log10 q clipped to [−log10 0.05, 10], mapped
    linearly onto [lo, hi] points."""
    w = -np.log10(np.clip(np.asarray(q, dtype=np.float64), 1e-300, 1.0))
    w = np.clip(w, -np.log10(0.05), 10.0)
    span = 10.0 + np.log10(0.05)
    return lo + (hi - lo) * (w + np.log10(0.05)) / span


@styled
def interaction_network(tf: pd.DataFrame, max_edges: int = 40, seed: int = 0, color: str = "#1f77b4",
                        truth: Optional[set] = None) -> Tuple[object, pd.DataFrame]:
    """The network of significant TF pairs: nodes TFs, edge width by −log10 q.

    tf: rows (tf1, tf2, q) already filtered to the significant pairs. Only the
    ``max_edges`` smallest-q pairs are drawn (the title says so). truth: the simulated
    pairs as ``pair_key`` strings; with it, true edges are green and solid, the others
    red and dashed. Labels sit beside their node on a white box (they do not spill over
    other nodes); layout: Kamada-Kawai (spring layout, seeded, for large graphs).
    Table: tf1, tf2, q, width, true (with truth).
    """
    import networkx as nx

    n_all = len(tf)
    df = tf.sort_values("q").head(max_edges).copy()
    df["width"] = edge_widths(df["q"].astype(float).to_numpy())
    key = lambda a, b: "|".join(sorted([str(a).strip().upper(), str(b).strip().upper()]))  # noqa: E731
    if truth is not None:
        df["true"] = [key(a, b) in truth for a, b in zip(df["tf1"], df["tf2"])]
    g = nx.Graph()
    for row in df.itertuples():
        a, b = str(row.tf1), str(row.tf2)
        if not g.has_edge(a, b) or g[a][b]["width"] < row.width:
            g.add_edge(a, b, width=row.width, true=bool(getattr(row, "true", False)))
    if g.number_of_nodes() == 0:
        raise ValueError("no significant TF pair to draw")
    n = g.number_of_nodes()
    size = min(7.5, 3.6 + 0.11 * n)
    fig, axes = _fig(size, size * 0.78)
    ax = axes[0, 0]
    try:
        pos = nx.kamada_kawai_layout(g) if n <= 80 else nx.spring_layout(g, seed=seed, k=2.0 / math.sqrt(n))
    except Exception:  # scipy missing: the spring layout needs nothing extra
        pos = nx.spring_layout(g, seed=seed, k=2.0 / math.sqrt(n))
    edges = list(g.edges())
    widths = [g[u][v]["width"] for u, v in edges]
    if truth is not None:
        colors = [TRUE_COLOR if g[u][v]["true"] else FALSE_COLOR for u, v in edges]
        styles = ["solid" if g[u][v]["true"] else (0, (3, 2)) for u, v in edges]
    else:
        colors, styles = [color] * len(edges), ["solid"] * len(edges)
    for (u, v), w, c, st in zip(edges, widths, colors, styles):
        nx.draw_networkx_edges(g, pos, edgelist=[(u, v)], ax=ax, width=w, edge_color=c, style=st, alpha=0.8)
    deg = np.array([g.degree(v) for v in g.nodes()])
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=40 + 12 * deg, node_color="#3b4a66", edgecolors="white",
                           linewidths=0.6)
    xs = np.array([p[0] for p in pos.values()])
    ys = np.array([p[1] for p in pos.values()])
    dy = 0.035 * max(1e-6, ys.max() - ys.min())
    for v, (x, y) in pos.items():
        ax.text(x, y + dy, str(v), fontsize=6, ha="center", va="bottom", zorder=5,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    pad_x = 0.12 * max(1e-6, xs.max() - xs.min())
    ax.set_xlim(xs.min() - pad_x, xs.max() + pad_x)
    ax.set_ylim(ys.min() - 4 * dy, ys.max() + 5 * dy)
    ax.set_axis_off()
    shown = f"top {len(df)} of {n_all} pairs by q" if n_all > len(df) else f"{g.number_of_edges()} pairs"
    title = f"{shown}, {n} TFs; edge width: −log10 q (clipped to 10)"
    if truth is not None:
        from matplotlib.lines import Line2D
        n_true = int(df["true"].sum())
        ax.legend(handles=[Line2D([], [], color=TRUE_COLOR, lw=2, label=f"simulated pair ({n_true})"),
                           Line2D([], [], color=FALSE_COLOR, lw=2, ls=(0, (3, 2)),
                                  label=f"not simulated ({len(df) - n_true})")],
                  frameon=False, fontsize=6.5, loc="lower left", bbox_to_anchor=(0.0, -0.08), ncol=2)
    ax.set_title(title, fontsize=8)
    fig.tight_layout()
    cols = ["tf1", "tf2", "q", "width"] + (["true"] if truth is not None else [])
    return fig, df[cols].reset_index(drop=True)


@styled
def distance_histogram(distances: np.ndarray, title: str = "", gap: Optional[Tuple[float, float]] = None,
                       partners: Optional[np.ndarray] = None) -> Tuple[object, pd.DataFrame]:
    """Histogram of the distances (bp) between interacting filters (best position pair).

    gap: (min, max) of the simulated gap (end of one motif to start of its partner), drawn
    as a green band. partners: start-to-start distances (bp) of the implanted partners,
    the same measure as the filter pairs' distance: their 5–95 % range is drawn hatched.
    """
    d = np.asarray(distances, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0:
        raise ValueError("no distance values")
    lo, hi = float(np.floor(d.min())), float(np.ceil(d.max()))
    if gap is not None:
        lo, hi = min(lo, float(gap[0])), max(hi, float(gap[1]))
    if np.allclose(d, np.round(d)):
        step = max(1.0, np.ceil((hi - lo + 1) / 40))  # whole-bp bins, at most 40
        edges = np.arange(lo - 0.5, hi + step + 0.5, step)
    else:
        edges = int(min(40, max(5, np.ceil(np.sqrt(d.size)))))
    counts, edges = np.histogram(d, bins=edges)
    fig, axes = _fig(4.8, 3.0)
    ax = axes[0, 0]
    if partners is not None and len(partners):
        a, b = np.percentile(np.asarray(partners, dtype=float), [5, 95])
        ax.axvspan(a, b, color="#a6d96a", alpha=0.25, hatch="///", lw=0,
                   label=f"implanted partners, start to start ({a:.0f}–{b:.0f} bp)")
    if gap is not None:
        ax.axvspan(gap[0], gap[1], color=TRUE_COLOR, alpha=0.3, lw=0,
                   label=f"simulated gap {gap[0]:g}–{gap[1]:g} bp")
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="C0", edgecolor="white", lw=0.3)
    ax.axvline(float(np.median(d)), color="k", ls="--", lw=0.9, label=f"median {np.median(d):.0f} bp")
    mid = (edges[0] + edges[-1]) / 2
    if edges[-1] - edges[0] < 10:  # a few distances: keep a readable bp scale around them
        ax.set_xlim(mid - 5, mid + 5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2)
    _small(ax, title or "Distance between interacting filters", "distance (bp)", "filter pairs")
    fig.tight_layout()
    table = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts})
    if gap is not None:
        table["gap_min"], table["gap_max"] = gap
    return fig, table


@styled
def distance_classes(classes: pd.DataFrame, gap: Optional[Tuple[float, float]] = None) -> Tuple[object, pd.DataFrame]:
    """Distances of the significant TF pairs by class (true / spurious), beside the
    implanted partners: one dot per pair (jittered), the median as a bar.

    classes: rows (class, distance); the classes in the order given.
    """
    if classes.empty:
        raise ValueError("no distances")
    order = list(dict.fromkeys(classes["class"]))
    fig, axes = _fig(5.0, 1.0 + 0.65 * len(order))
    ax = axes[0, 0]
    rng = np.random.default_rng(0)
    palette = {"true": TRUE_COLOR, "spurious": FALSE_COLOR}
    if gap is not None:
        ax.axvspan(gap[0], gap[1], color=TRUE_COLOR, alpha=0.2, lw=0)
    for i, c in enumerate(order):
        d = classes.loc[classes["class"] == c, "distance"].to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        if not d.size:
            continue
        colour = next((v for k, v in palette.items() if c.startswith(k)), "0.45")
        shown = d if d.size <= 400 else rng.choice(d, 400, replace=False)  # a sample of many partners
        ax.scatter(shown, i + rng.uniform(-0.15, 0.15, shown.size), s=8, color=colour,
                   alpha=0.7 if d.size <= 400 else 0.25, lw=0)
        m = float(np.median(d))
        ax.plot([m, m], [i - 0.25, i + 0.25], color="k", lw=1.8)
        ax.text(m, i - 0.3, f"median {m:.0f} bp (n={d.size})", fontsize=6.5, ha="center", va="bottom")
    ax.set_yticks(np.arange(len(order)))
    ax.set_yticklabels(order)
    ax.set_ylim(len(order) - 0.5, -0.85)
    ax.set_xlim(left=0)
    title = "Distance of the pairs, by class"
    if gap is not None:
        title += f" (green: simulated gap {gap[0]:g}–{gap[1]:g} bp)"
    _small(ax, title, "distance (bp)", "")
    fig.tight_layout()
    return fig, classes.reset_index(drop=True)


@styled
def method_overlap(sets: Dict[str, set]) -> Tuple[object, pd.DataFrame]:
    """Overlap of the significant TF pairs of several methods (UpSet-style bars).

    sets: label -> set of pair keys. Bars: the pairs found by exactly each combination
    of methods; dots below say which methods form the combination.
    Table: one row per pair, a 0/1 column per method.
    """
    labels = list(sets)
    if len(labels) < 2:
        raise ValueError("the overlap needs at least two methods")
    allp = sorted(set().union(*sets.values()))
    member = pd.DataFrame({lab: [int(p in sets[lab]) for p in allp] for lab in labels})
    member.insert(0, "pair", [p.replace("|", " – ") for p in allp])
    combos = member[labels].astype(str).agg("".join, axis=1).value_counts() if len(allp) else pd.Series(dtype=int)
    combos = combos.sort_values(ascending=False)
    fig, axes = _fig(max(3.0, 0.5 * max(1, len(combos)) + 1.8), 2.8, nrows=2,
                     gridspec_kw={"height_ratios": [3, max(1, len(labels)) * 0.45]}, sharex=True)
    ax, axd = axes[0, 0], axes[1, 0]
    x = np.arange(len(combos))
    ax.bar(x, combos.to_numpy(), color="0.35")
    for xi, c in zip(x, combos.to_numpy()):
        ax.text(xi, c, str(c), ha="center", va="bottom", fontsize=7)
    _small(ax, "Overlap of significant TF pairs", "", "pairs")
    for xi, combo in zip(x, combos.index):
        on = [i for i, ch in enumerate(combo) if ch == "1"]
        axd.scatter(np.full(len(labels), xi), np.arange(len(labels)), color="0.85", s=18)
        axd.scatter(np.full(len(on), xi), on, color="0.1", s=18)
        if len(on) > 1:
            axd.plot([xi, xi], [min(on), max(on)], color="0.1", lw=1.2)
    axd.set_yticks(np.arange(len(labels)))
    axd.set_yticklabels(labels)
    axd.set_xticks([])
    axd.set_ylim(-0.5, len(labels) - 0.5)
    axd.invert_yaxis()
    for s in ("left", "bottom"):
        axd.spines[s].set_visible(False)
    if len(combos) == 0:
        ax.text(0.5, 0.5, "no significant pairs in any method", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    return fig, member


# --- 6. ground truth ------------------------------------------------------------------

@styled
def truth_scores(scores: pd.DataFrame, chance_all: Optional[float] = None) -> Tuple[object, pd.DataFrame]:
    """Precision, recall and F1 per method, database and level (grouped bars), with the
    chance precision of each row (``chance_precision``, a black tick on its precision
    bar) and the chance of any TF pair being a true one (``chance_all``, dashed line).

    scores: rows (label, method, db, precision, recall, f1[, level, chance_precision]).
    """
    if scores.empty:
        raise ValueError("no scores")
    scores = scores.copy()
    if "level" in scores.columns and scores["level"].nunique() > 1:
        scores["label"] = [f"{lab} ({lev})" for lab, lev in zip(scores["label"], scores["level"])]
    if "chance_precision" not in scores.columns:
        scores["chance_precision"] = np.nan
    metrics = ["precision", "recall", "f1"]
    fig, axes = _fig(max(5.2, 3.0 + 0.5 * len(scores)), 3.0 + 0.12 * len(scores))
    ax = axes[0, 0]
    n = len(scores)
    width = 0.8 / n
    levels = scores["level"].fillna("").astype(str) if "level" in scores.columns else pd.Series([""] * n)
    keys = list(dict.fromkeys(zip(scores["db"], levels)))
    dbs = list(dict.fromkeys(scores["db"]))
    lvls = list(dict.fromkeys(levels))
    one_method = scores["method"].nunique() <= 1
    ticked = False
    for i, row in enumerate(scores.itertuples()):
        vals = [getattr(row, m) if getattr(row, m) is not None else np.nan for m in metrics]
        x = np.arange(3) + (i - (n - 1) / 2) * width
        lev = levels.iloc[i]
        if one_method:
            # one method: a colour per database, hatched for the motif-cluster level
            colour, hatch = DB_COLORS[dbs.index(row.db) % len(DB_COLORS)], DB_HATCH.get(lvls.index(lev) % 4, "")
        else:
            colour = METHOD_COLORS.get(row.method, f"C{i % 10}")
            hatch = DB_HATCH.get(keys.index((row.db, lev)) % 4, "")
        ax.bar(x, vals, width=width * 0.95, color=colour, hatch=hatch, edgecolor="white", lw=0.3, label=row.label)
        cp = row.chance_precision
        if cp is not None and np.isfinite(float(cp)):
            ax.plot([x[0] - width * 0.45, x[0] + width * 0.45], [cp, cp], color="k", lw=1.6,
                    label="precision of as many random pairs" if not ticked else None)
            ticked = True
    if chance_all is not None:
        ax.axhline(chance_all, xmax=0.34, color="k", ls="--", lw=0.9,
                   label=f"chance: true / all TF pairs ({chance_all:.2f})")
    ax.set_xticks(np.arange(3))
    ax.set_xticklabels(["precision", "recall", "F1"])
    ax.set_ylim(0, 1.05)
    _small(ax, "Interactions against the simulated truth", "", "score")
    ax.legend(frameon=False, fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    fig.tight_layout()
    cols = ["label", "method", "db"] + metrics + ["chance_precision"]
    out = scores[cols].reset_index(drop=True)
    out["chance_all"] = chance_all
    return fig, out


@styled
def pr_over_q(curves: Dict[str, pd.DataFrame], q_threshold: float = 0.05) -> Tuple[object, pd.DataFrame]:
    """Precision and recall as the q threshold varies, and precision against recall.

    curves: label -> rows (q, precision, recall), increasing q.
    """
    curves = {k: v for k, v in curves.items() if v is not None and len(v)}
    if not curves:
        raise ValueError("no curve")
    fig, axes = _fig(7.2, 2.6, ncols=3)
    ax_p, ax_r, ax_pr = axes[0]
    rows = []
    for i, (lab, c) in enumerate(curves.items()):
        q = np.clip(c["q"].to_numpy(dtype=float), 1e-300, None)
        col = f"C{i % 10}"
        ax_p.step(q, c["precision"], where="post", color=col, lw=1.1, label=lab)
        ax_r.step(q, c["recall"], where="post", color=col, lw=1.1, label=lab)
        ax_pr.plot(c["recall"], c["precision"], color=col, lw=1.1, marker=".", ms=2, label=lab)
        rows.append(c.assign(label=lab)[["label", "q", "precision", "recall"]])
    for ax, t, yl in ((ax_p, "Precision vs q threshold", "precision"), (ax_r, "Recall vs q threshold", "recall")):
        ax.set_xscale("log")
        ax.axvline(q_threshold, color="0.5", ls=":", lw=0.8)
        ax.set_ylim(0, 1.05)
        _small(ax, t, "q threshold", yl)
    ax_pr.set_xlim(0, 1.02)
    ax_pr.set_ylim(0, 1.05)
    _small(ax_pr, "Precision-recall over q", "recall", "precision")
    fig.tight_layout()
    # the legend below the three panels (inside one of them it covers the curves or its neighbour)
    ax_r.legend(frameon=False, fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)
    return fig, pd.concat(rows, ignore_index=True)


# --- 7. known interactions ------------------------------------------------------------

@styled
def ppi_support(summary: pd.DataFrame) -> Tuple[object, pd.DataFrame]:
    """Predicted TF pairs with and without a known protein-protein interaction.

    summary: rows (label, tested, matched[, expected]).
    """
    if summary.empty:
        raise ValueError("no PPI summary")
    fig, axes = _fig(1.5 + 0.9 * len(summary), 2.5)
    ax = axes[0, 0]
    x = np.arange(len(summary))
    ax.bar(x - 0.2, summary["tested"], width=0.4, color="0.7", label="predicted pairs")
    ax.bar(x + 0.2, summary["matched"], width=0.4, color="C3", label="with PPI support")
    if "expected" in summary and summary["expected"].notna().any():
        ax.scatter(x + 0.2, summary["expected"], marker="_", s=200, color="k", label="expected by chance", zorder=3)
    ax.set_xticks(x)
    ax.set_xticklabels(summary["label"], rotation=20, ha="right")
    _small(ax, "Known interactions", "", "TF pairs")
    ax.legend(frameon=False, fontsize=6)
    fig.tight_layout()
    return fig, summary.reset_index(drop=True)


# --- index page -----------------------------------------------------------------------

@styled
def config_metric_bars(df: pd.DataFrame, metrics: Sequence[str], group: Sequence[str], title: str,
                       ylabel: str = "") -> Tuple[object, pd.DataFrame]:
    """Bars of ``metrics`` by dataset (x) and the ``group`` columns (one bar each), mean
    over replicates with the replicates as dots (the layout of the paper's Figs 3-5).

    The first group column sets the colour (e.g. the method), the others the hatching
    (e.g. the entropy λ). df: one row per configuration (and method), columns
    ``dataset``, the group columns, the metrics. Table: the means and counts drawn.
    """
    df = df.copy()
    if df.empty or not any(df[m].notna().any() for m in metrics):
        raise ValueError("no values to plot")
    group = list(group)
    df["dataset"] = df["dataset"].astype(str)
    for g in group:
        df[g] = df[g].astype(str)
    df["_group"] = df[group].agg(" · ".join, axis=1) if group else "all"
    datasets = sorted(df["dataset"].unique(), key=_natural)
    groups = sorted(df["_group"].unique(), key=_natural)
    colour_keys = sorted(df[group[0]].unique(), key=_natural) if group else ["all"]
    hatch_keys = sorted(df[group[1:]].agg(" · ".join, axis=1).unique(), key=_natural) if len(group) > 1 else [""]
    hatches = ["", "////", "....", "xxxx", "\\\\", "++"]
    panel_w = min(4.2, max(2.2, 0.22 * len(datasets) * len(groups) + 1.0))
    fig, axes = _fig(panel_w * len(metrics) + 1.3, 2.7, ncols=len(metrics))
    width = 0.8 / max(1, len(groups))
    rows = []
    for ax, m in zip(axes[0], metrics):
        for gi, g in enumerate(groups):
            sub = df[df["_group"] == g]
            ck = sub[group[0]].iloc[0] if group else "all"
            hk = " · ".join(sub[group[1:]].iloc[0]) if len(group) > 1 else ""
            colour = METHOD_COLORS.get(_method_key(ck), f"C{colour_keys.index(ck) % 10}")
            means, xs = [], []
            for di, d in enumerate(datasets):
                vals = sub.loc[sub["dataset"] == d, m].dropna().astype(float)
                x = di + (gi - (len(groups) - 1) / 2) * width
                means.append(vals.mean() if len(vals) else np.nan)
                xs.append(x)
                if len(vals) > 1:
                    ax.scatter(np.full(len(vals), x), vals, s=5, color="k", zorder=3)
                rows.append({"metric": m, "dataset": d, "group": g, "mean": means[-1], "n": len(vals)})
            ax.bar(xs, means, width=width * 0.95, label=g, color=colour,
                   hatch=hatches[hatch_keys.index(hk) % len(hatches)], edgecolor="white", lw=0.3)
        ax.set_xticks(np.arange(len(datasets)))
        ax.set_xticklabels(datasets)
        ax.set_ylim(0, 1.05)
        _small(ax, {"f1": "F1"}.get(m, m) if len(metrics) > 1 else title, "dataset", ylabel or {"f1": "F1"}.get(m, m))
    axes[0][-1].legend(frameon=False, fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if len(metrics) > 1:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig, pd.DataFrame(rows, columns=["metric", "dataset", "group", "mean", "n"])


def _method_key(label: str) -> str:
    return {"Attn-Raw": "raw", "Attn-Attr": "attr", "DFIM": "dfim"}.get(label, label)


def _natural(s: str):
    """Sort key: numbers inside names compare as numbers; methods in the paper's order."""
    import re

    s = str(s)
    for i, m in enumerate(("Attn-Raw", "Attn-Attr", "DFIM")):
        if s.startswith(m):
            s = f"{i}{s}"
            break
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


# --- implantation ---------------------------------------------------------------------

@styled
def implant_curves(curves: pd.DataFrame, pairs: Sequence[Tuple[str, str]],
                   gap: Optional[Tuple[float, float]] = None) -> Tuple[object, pd.DataFrame]:
    """Cooperativity against the gap for a few TF pairs, one panel per pair, one line
    per orientation with its bootstrap interval (band); 0 dotted.

    curves: rows (tf1, tf2, orientation, gap, cooperativity[, ci_low, ci_high]).
    pairs: the (tf1, tf2) drawn, in order. gap: the simulated gap range (green band).
    """
    if not pairs:
        raise ValueError("no pair to draw")
    n = len(pairs)
    ncols = min(n, 4)
    nrows = int(math.ceil(n / ncols))
    fig, axes = _fig(2.9 * ncols + 0.4, 2.5 * nrows + 0.3, ncols=ncols, nrows=nrows, sharey=True)
    # satori-implant samples gaps densely near 0 and sparsely beyond (0..20 by 1, then by 5-10 up
    # to 100): a linear axis up to 20 bp and a log one beyond gives the dense part room
    wide = pd.to_numeric(curves["gap"], errors="coerce").max() > 40 if len(curves) else False
    rows = []
    handles: Dict[str, object] = {}
    for k, (a, b) in enumerate(pairs):
        ax = axes.flat[k]
        sub = curves[(curves["tf1"].astype(str) == a) & (curves["tf2"].astype(str) == b)]
        if gap is not None:
            ax.axvspan(gap[0], gap[1], color="#1a9850", alpha=0.15, lw=0)
        ax.axhline(0, color="0.5", ls=":", lw=0.8)
        orients = list(dict.fromkeys(sub["orientation"].astype(str))) if "orientation" in sub else [""]
        for j, o in enumerate(orients):
            c = sub[sub["orientation"].astype(str) == o] if o else sub
            c = c.sort_values("gap")
            (line,) = ax.plot(c["gap"], c["cooperativity"], lw=1.1, marker=".", ms=3, color=f"C{j}", label=o or None)
            if o:
                handles.setdefault(o, line)
            if {"ci_low", "ci_high"} <= set(c.columns) and c["ci_low"].notna().any():
                ax.fill_between(c["gap"], c["ci_low"], c["ci_high"], color=f"C{j}", alpha=0.15, lw=0)
            rows.append(c.assign(tf1=a, tf2=b))
        if wide:
            ax.set_xscale("symlog", linthresh=20, linscale=1.5)
            ax.set_xticks([0, 5, 10, 15, 20, 50, 100])
            ax.set_xticklabels(["0", "5", "10", "15", "20", "50", "100"])
            ax.set_xlim(left=-0.5)
        _small(ax, f"{a} + {b}", "gap (bp)",
               "cooperativity (logit)" if k % ncols == 0 else "")
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    fig.tight_layout()
    if len(handles) > 1:  # one legend for all panels, below them (inside a panel it hides curves)
        fig.subplots_adjust(bottom=0.29 if nrows == 1 else 0.17)
        fig.legend(list(handles.values()), list(handles), frameon=False, fontsize=7, ncol=len(handles),
                   title="orientation", title_fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 0.0))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=list(curves.columns))
    return fig, table


PAIR_COLOURS = ("#0072B2", "#D55E00")  # TF A, TF B (Okabe-Ito blue and vermillion)
BEST_COLOUR = "#009E73"  # the circled best cell (Okabe-Ito green)


def hit_runs(positions: Sequence[int]) -> List[Tuple[int, int]]:
    """Consecutive pooled positions merged: ``[3, 4, 5, 9]`` -> ``[(3, 5), (9, 9)]``."""
    runs: List[Tuple[int, int]] = []
    for p in sorted({int(x) for x in positions}):
        if runs and p == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


@styled
def pair_attention_map(attn: np.ndarray, pos_a: Sequence[int], pos_b: Sequence[int], best: Tuple[int, int],
                       name_a: str, name_b: str, title: str, pool: int = 1) -> Tuple[object, pd.DataFrame]:
    """One sequence's attention (max over heads) with the two motifs of a TF pair marked.

    attn: shape=(L', L'). pos_a, pos_b: pooled positions where a filter named after
    TF A (resp. B) hits; each run of hits is a shaded column band and row band on the
    map, in the TF's colour, and a bar in a labelled track above (keys) and left of
    (queries) the map. best: the (query, key) cell of the pair's best score, circled.
    The axes are in bp (pooled position × pool). Table: the matrix, one row per query
    position.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    L = attn.shape[0]
    fig, axes = _fig(5.2, 5.2)
    ax = axes[0, 0]
    lo, hi = -0.5 * pool, (L - 0.5) * pool
    im = ax.imshow(attn, cmap="Greys", interpolation="nearest", aspect="equal", extent=(lo, hi, hi, lo))
    for sp in ax.spines.values():
        sp.set_visible(True)
    div = make_axes_locatable(ax)
    top = div.append_axes("top", size="11%", pad=0.04, sharex=ax)
    left = div.append_axes("left", size="11%", pad=0.04, sharey=ax)
    cax = div.append_axes("right", size="4%", pad=0.08)
    cb = fig.colorbar(im, cax=cax)
    cb.ax.tick_params(labelsize=6)
    cb.set_label("attention (max over heads)", fontsize=7)
    # a band at least 1.2 % of the axis wide, so that a single hit is still visible
    min_w = 0.012 * (hi - lo)
    # lanes of the tracks: TF A next to the map, TF B outside it
    for positions, colour, near in ((pos_a, PAIR_COLOURS[0], True), (pos_b, PAIR_COLOURS[1], False)):
        for r0, r1 in hit_runs(positions):
            x0, x1 = (r0 - 0.5) * pool, (r1 + 0.5) * pool
            if x1 - x0 < min_w:
                c = 0.5 * (x0 + x1)
                x0, x1 = c - 0.5 * min_w, c + 0.5 * min_w
            ax.axvspan(x0, x1, color=colour, alpha=0.3, lw=0, zorder=2)
            ax.axhspan(x0, x1, color=colour, alpha=0.3, lw=0, zorder=2)
            top.axvspan(x0, x1, ymin=0.06 if near else 0.54, ymax=0.46 if near else 0.94, color=colour, lw=0)
            left.axhspan(x0, x1, xmin=0.54 if near else 0.06, xmax=0.94 if near else 0.46, color=colour, lw=0)
    top.set_ylim(0, 1)
    left.set_xlim(0, 1)
    # TF names left of the top track's lanes (the left track has the same lanes, same colours)
    top.set_yticks([0.25, 0.75])
    top.set_yticklabels([name_a, name_b])
    left.set_xticks([])
    for lab, colour in zip(top.get_yticklabels(), PAIR_COLOURS):
        lab.set_color(colour)
        lab.set_fontweight("bold")
    for t in (top, left):
        t.tick_params(length=0, labelsize=7)
        for sp in t.spines.values():
            sp.set_visible(False)
    top.tick_params(axis="x", labelbottom=False)
    ax.tick_params(axis="y", labelleft=False)
    qi, kj = best
    ax.scatter([kj * pool], [qi * pool], s=260, facecolors="none", edgecolors=BEST_COLOUR, lw=2.2, zorder=6, clip_on=False)
    ax.scatter([kj * pool], [qi * pool], s=260, facecolors="none", edgecolors="white", lw=0.6, zorder=7, clip_on=False)
    ax.set_xlim(lo, hi)
    ax.set_ylim(hi, lo)
    ax.legend(handles=[Patch(color=PAIR_COLOURS[0], alpha=0.6, label=f"{name_a} motif (filter hits)"),
                       Patch(color=PAIR_COLOURS[1], alpha=0.6, label=f"{name_b} motif (filter hits)"),
                       Line2D([], [], marker="o", ls="", mfc="none", mec=BEST_COLOUR, mew=2,
                              label=f"best cell: query {qi * pool} bp, key {kj * pool} bp")],
              frameon=False, fontsize=6.5, loc="upper center", bbox_to_anchor=(0.4, -0.09), ncol=2)
    top.set_title(title, fontsize=8)
    ax.set_xlabel("key position (bp)", fontsize=7)
    left.set_ylabel("query position (bp)", fontsize=7)
    fig.subplots_adjust(left=0.13, right=0.9, top=0.88, bottom=0.17)
    table = pd.DataFrame(attn, columns=[f"key_{j}" for j in range(L)])
    table.insert(0, "query", np.arange(L))
    return fig, table
