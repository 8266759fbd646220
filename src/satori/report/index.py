"""The cross-configuration summary page (``satori-report --index DIR ...``) and the
MultiQC custom-content files.

Each DIR is either a report directory written by ``satori-report --run`` (it holds
``report_summary.json`` and ``report.html``), or a run tree (its numbers are read
directly; a report found at ``DIR/report/`` is linked). The page compares the
configurations as the paper's Figs 3-5 do: classification AUC by dataset × entropy
(× architecture) and interaction precision, recall and F1 by dataset × entropy ×
method, one figure per database mode, plus a table linking to each run's report.

Written into OUT:

- ``index.html`` — self-contained like the run reports; links to each report by a
  relative path (``<configuration>/report.html`` when the report directories sit next
  to OUT's files, as the pipeline publishes them);
- ``figures/index_*.png|svg|tsv``;
- ``satori_summary_mqc.tsv`` — the summary table with MultiQC's custom-content header
  (``# id``, ``# section_name``, ``# plot_type: 'table'``, ...);
- ``satori_auc_mqc.png``, ``satori_interactions[_<db>]_mqc.png`` — the key plots, which
  MultiQC includes as images.
"""

import io
import json
import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import pandas as pd

from satori import __version__, formats
from satori.atomic import staged_outdir, write_text
from satori.errors import InputError
from satori.report import figures as F
from satori.report.build import figure_block, group_figures, render, summarize_run, table_block
from satori.report.discover import canonical_method, discover, method_label

log = logging.getLogger("satori")

PathLike = Union[str, os.PathLike]

MQC_TABLE = "satori_summary_mqc.tsv"
MQC_AUC = "satori_auc_mqc.png"
MQC_INTERACTIONS = "satori_interactions{suffix}_mqc.png"

SUMMARY_COLUMNS = ["configuration", "dataset", "arch", "entropy_lambda", "auroc", "auprc",
                   "method", "db", "precision", "recall", "f1", "report"]


def load_summary(path: Path) -> Dict[str, Any]:
    """The summary of one DIR and the path of its report (None when it has none).

    Raises InputError when DIR is missing or holds neither a report summary nor
    satori outputs.
    """
    if not path.is_dir():
        raise InputError(f"--index {path}: directory not found")
    for cand in (path / formats.REPORT_SUMMARY_JSON, path / "report" / formats.REPORT_SUMMARY_JSON):
        if cand.is_file():
            try:
                summary = json.loads(cand.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                raise InputError(f"{cand}: cannot parse ({exc})") from None
            if not isinstance(summary, dict):
                raise InputError(f"{cand}: expected a JSON object")
            report = cand.parent / summary.get("report", formats.REPORT_HTML)
            summary["_report"] = report if report.is_file() else None
            return summary
    rf = discover(path, exclude=[path / "report"])
    if not rf.found_any():
        raise InputError(f"--index {path}: neither a satori report ({formats.REPORT_SUMMARY_JSON}) nor a run directory")
    summary = summarize_run(rf)
    report = path / "report" / formats.REPORT_HTML
    summary["_report"] = report if report.is_file() else None
    return summary


def _config_names(dirs: Sequence[Path]) -> List[str]:
    """A short unique name per DIR: its basename (the parent's when it is ``report``)."""
    names = []
    for d in dirs:
        p = Path(os.path.abspath(d))
        names.append(p.parent.name if p.name == "report" else p.name)
    seen: Dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if names.count(n) == 1 else f"{n}-{seen[n]}")
    return out


def summary_table(dirs: Sequence[PathLike], outdir: Path) -> pd.DataFrame:
    """One row per configuration × method × database mode (one row with empty method
    when a configuration has no interaction scores)."""
    dirs = [Path(d) for d in dirs]
    rows = []
    for name, d in zip(_config_names(dirs), dirs):
        s = load_summary(d)
        link = os.path.relpath(os.path.abspath(s["_report"]), os.path.abspath(outdir)) if s.get("_report") else ""
        base = {"configuration": name, "dataset": s.get("dataset") or name, "arch": s.get("arch") or "",
                "entropy_lambda": s.get("entropy_lambda"), "auroc": s.get("auroc"), "auprc": s.get("auprc"),
                "report": link.replace(os.sep, "/")}
        scores = s.get("scores") or []
        if not scores:
            rows.append(dict(base, method="", db="", precision=None, recall=None, f1=None))
        for sc in scores:
            # report_summary.json: "method" attn-raw/attn-attr/dfim, "motif_db" the naming database
            # (older summaries: "method" raw/attr/dfim and "db")
            method = canonical_method(sc.get("method")) if sc.get("method") else ""
            rows.append(dict(base, method=method, db=sc.get("motif_db") or sc.get("db") or "",
                             precision=sc.get("precision"), recall=sc.get("recall"), f1=sc.get("f1")))
    df = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for c in ("entropy_lambda", "auroc", "auprc", "precision", "recall", "f1"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def _lambda_label(x: Any) -> str:
    return "λ=?" if x is None or (isinstance(x, float) and np.isnan(x)) else f"λ={x:g}"


def mqc_table(df: pd.DataFrame) -> str:
    """The summary as MultiQC custom content (TSV with its YAML header in comments)."""
    header = """# id: 'satori_summary'
# section_name: 'SATORI'
# description: 'Classification AUC and interaction precision, recall and F1 of each configuration (satori-report --index).'
# plot_type: 'table'
# pconfig:
#     id: 'satori_summary_table'
#     title: 'SATORI summary'
#     namespace: 'SATORI'
# headers:
#     auroc:
#         title: 'AUROC'
#         min: 0
#         max: 1
#         format: '{:,.3f}'
#     precision:
#         title: 'Precision'
#         min: 0
#         max: 1
#         format: '{:,.3f}'
#     recall:
#         title: 'Recall'
#         min: 0
#         max: 1
#         format: '{:,.3f}'
#     f1:
#         title: 'F1'
#         min: 0
#         max: 1
#         format: '{:,.3f}'
"""
    out = df.copy()
    out.insert(0, "sample", [
        " · ".join(x for x in (r.configuration, method_label(r.method) if r.method else "", r.db) if x)
        for r in out.itertuples()])
    out["method"] = [method_label(m) if m else "" for m in out["method"]]
    out = out.drop(columns=["configuration", "report"]).drop_duplicates("sample")
    buf = io.StringIO()
    out.to_csv(buf, sep="\t", index=False, lineterminator="\n", float_format="%.4f", na_rep="")
    return header + buf.getvalue()


def build_index(dirs: Sequence[PathLike], outdir: PathLike, title: Optional[str] = None,
                params: Optional[dict] = None) -> Path:
    """Write the summary page, its figures and the MultiQC files into ``outdir``.

    dirs: report directories (``satori-report --run`` outputs) or run trees.
    Returns ``outdir``. Raises InputError for an empty list or an unusable DIR
    (nothing written then).
    """
    if not dirs:
        raise InputError("--index needs at least one report or run directory")
    outdir = Path(outdir)
    t0 = time.time()
    df = summary_table(dirs, outdir)
    title = title or "satori: configurations compared"
    with staged_outdir(outdir) as stage:
        blocks: List[dict] = []
        notes: List[str] = []
        archs = sorted(set(df["arch"].astype(str)) - {""})
        group = ["arch", "lambda"] if len(archs) > 1 else ["lambda"]
        plot = df.assign(**{"lambda": df["entropy_lambda"].map(_lambda_label)})
        per_config = plot.drop_duplicates("configuration")
        if per_config["auroc"].notna().any():
            fig, table = F.config_metric_bars(per_config, ["auroc"], group, "Classification AUC (test)", "AUROC")
            rec = F.save_figure(fig, table, stage, "index_auc",
                                "Test AUROC by dataset and entropy λ (bars: mean over replicates, dots: replicates).")
            shutil.copyfile(stage / rec.png, stage / MQC_AUC)
            blocks.append(figure_block(rec))
        else:
            notes.append("No configuration has a test AUC (metrics.json).")
        scored = plot[plot["method"] != ""].copy()
        if not scored.empty:
            scored["method"] = scored["method"].map(method_label)
            dbs = list(dict.fromkeys(scored["db"]))
            for db in dbs:
                sub = scored[scored["db"] == db]
                slug = re.sub(r"[^A-Za-z0-9]+", "_", db).strip("_")
                fig, table = F.config_metric_bars(sub, ["precision", "recall", "f1"], ["method"] + group,
                                                  f"Interactions against the truth{f' ({db})' if db else ''}")
                rec = F.save_figure(fig, table, stage, f"index_interactions{'_' + slug if slug else ''}",
                                    f"Precision, recall and F1 by dataset, method and entropy λ"
                                    f"{f', motif database: {db}' if db else ''}.")
                mqc = MQC_INTERACTIONS.format(suffix=f"_{slug}" if slug and len(dbs) > 1 else "")
                shutil.copyfile(stage / rec.png, stage / mqc)
                blocks.append(figure_block(rec))
        else:
            notes.append("No configuration has interaction scores (evaluation.json or pairs.tsv).")
        shown = df.copy()
        shown["method"] = [method_label(m) if m else "" for m in shown["method"]]
        shown["configuration"] = [
            {"link": r.report, "text": r.configuration} if r.report else r.configuration for r in df.itertuples()]
        blocks.append(table_block(shown, "Configurations", max_rows=max(1, len(shown)),
                                  columns=[c for c in SUMMARY_COLUMNS if c != "report"]))
        write_text(stage / MQC_TABLE, mqc_table(df))
        buf = io.StringIO()
        df.to_csv(buf, sep="\t", index=False, lineterminator="\n", float_format="%.6g")
        write_text(stage / "index_summary.tsv", buf.getvalue())
        html = render("index.html.j2", title=title, blocks=group_figures(blocks), notes=notes,
                      n_configs=int(df["configuration"].nunique()), version=__version__,
                      generated=time.strftime("%Y-%m-%d %H:%M"))
        write_text(stage / formats.INDEX_HTML, html)
        if params is not None:
            write_text(stage / formats.PARAMS_JSON,
                       json.dumps(dict(params, satori_version=__version__), indent=2, default=str) + "\n")
    log.info("index of %d configurations written to %s (%.1f s)", df["configuration"].nunique(),
             outdir / formats.INDEX_HTML, time.time() - t0)
    return outdir
