"""Assemble one run's report: read what the run has, draw the figures, render the HTML.

``build_report(run_dir, outdir, ...)`` is the library entry point behind
``satori-report --run``. Each of the seven sections is one function that returns a
``Section``; a section whose inputs are missing or unreadable still appears, with the
reason in plain words, so a partial run gives a partial report rather than an error.
Only a run directory that is missing, unreadable or holds no satori output at all is
an ``InputError`` (exit 2, nothing written).
"""

import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import pandas as pd

from satori import __version__, formats
from satori.atomic import staged_outdir, write_text
from satori.errors import InputError
from satori.report import figures as F
from satori.report.discover import (
    RunFiles, db_display, discover, method_from_path, method_label, method_slug, pair_label, variant_of,
)
from satori.report.readers import (
    DEFAULT_Q, Evaluation, InteractionSet, SectionError, as_float, filter_motif_params, implant_confirms,
    implant_controls, implant_db, numeric, params_doc, pair_key, pair_text, read_implant, read_implant_curves,
    option, pr_curve_from_interactions, read_evaluation, read_interaction_sets, read_json, read_truth, read_tsv,
    scores_at,
)
from satori.schema import Metrics, PPISummary

log = logging.getLogger("satori")

PathLike = Union[str, os.PathLike]

MAX_TEST_SEQS = 20000  # test sequences scored for the ROC/PR curves (seeded sample above this)
N_HEATMAPS = 4  # attention heatmaps drawn (the best-predicted foreground sequences)
TOP_PAIRS = 20  # rows of the top-pairs table per method
MAX_LIST = 200  # entries of a TP/FP/FN list shown in the HTML
MEMELITE_MIN_TARGETS = 25  # memelite's TomTom warns that p-values are unreliable below this many targets
N_PAIR_MAPS = 4  # significant TF pairs drawn on the attention map of their best sequence
MAX_NETWORK_EDGES = 40  # edges of the interaction network (the smallest q)


# --- building blocks of the HTML ------------------------------------------------------

def fmt(x: Any) -> str:
    """The one number style of the report (every table, box and sentence uses it).

    Integers as is (thousands separated from 10 000); other numbers with 3 significant
    digits, in scientific notation only below 1e-3 (``3.53e-11``, ``0.00116`` -> ``0.00116``,
    ``0.8468`` -> ``0.847``, ``1234.5`` -> ``1,234``); booleans yes/no; NaN/None empty.
    """
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}" if abs(int(x)) >= 10000 else str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if not np.isfinite(x):
            return ""
        if x.is_integer() and abs(x) < 1e9:
            return fmt(int(x))
        if x != 0 and abs(x) < 1e-3:
            return f"{x:.2e}"
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.3g}"
    s = str(x)
    return "" if s == "nan" else s


def table_block(df: pd.DataFrame, title: str = "", max_rows: int = 50, note: str = "",
                columns: Optional[Sequence[str]] = None, headers: Optional[Dict[str, str]] = None,
                cls: str = "") -> dict:
    """A table for the template (cells formatted by ``fmt``; at most ``max_rows`` rows, said so).

    headers: column -> shown header (default: the column name). cls: CSS class of the
    table (``filters``: the full-height, no-scroll filter table).
    """
    cols = list(columns) if columns is not None else list(df.columns)
    cols = [c for c in cols if c in df.columns]
    shown = df.head(max_rows)
    rows = [[c if isinstance(c, dict) else fmt(c) for c in r] for r in shown[cols].itertuples(index=False)]
    if len(df) > max_rows:
        more = f"showing {max_rows} of {len(df)} rows"
        note = f"{note}; {more}" if note else more
    heads = [(headers or {}).get(c, c) for c in cols]
    return {"kind": "table", "title": title, "columns": heads, "rows": rows, "note": note, "cls": cls}


def kv_block(items: Sequence[tuple], title: str = "") -> dict:
    return {"kind": "kv", "title": title, "items": [(str(k), fmt(v)) for k, v in items]}


def text_block(text: str, cls: str = "") -> dict:
    return {"kind": "text", "text": text, "cls": cls}


def figure_block(fig: F.Figure) -> dict:
    return {"kind": "figure", "figure": fig}


def sub_block(text: str) -> dict:
    return {"kind": "sub", "text": text}


def details_block(summary: str, blocks: List[dict]) -> dict:
    return {"kind": "details", "summary": summary, "blocks": blocks}


def group_figures(blocks: List[dict]) -> List[dict]:
    """Runs of two or more consecutive figures become one grid (side by side)."""
    out: List[dict] = []
    run: List[dict] = []
    for b in blocks + [{"kind": "end"}]:
        if b["kind"] == "figure":
            run.append(b)
            continue
        if len(run) >= 2:
            out.append({"kind": "grid", "blocks": run})
        else:
            out.extend(run)
        run = []
        if b["kind"] != "end":
            out.append(b)
    return out


@dataclass
class Section:
    """One numbered section of the report.

    status: ``ok`` (everything drawn), ``partial`` (drawn, with notes on what could
    not be), ``missing`` (a step that ran left nothing readable; ``notes`` say why),
    ``notrun`` (the run did not ask for the step: shown grey, not as a failure).
    """

    id: str
    number: int
    title: str
    status: str = "ok"
    notes: List[str] = field(default_factory=list)
    blocks: List[dict] = field(default_factory=list)

    def missing(self, why: str) -> "Section":
        self.status = "missing"
        self.notes.append(why)
        return self

    def not_run(self, why: str) -> "Section":
        self.status = "notrun"
        self.notes.append(why)
        return self

    def problem(self, why: str) -> None:
        if self.status == "ok":
            self.status = "partial"
        self.notes.append(why)


# --- run data, loaded once and shared by the sections ---------------------------------

class RunData:
    """Lazily loaded data of a run shared by several sections (model, sequences, labels)."""

    def __init__(self, rf: RunFiles, outdir: Path, seed: int, device: str, max_filters: int, max_seqs: int):
        self.rf, self.outdir, self.seed, self.device = rf, outdir, seed, device
        self.max_filters, self.max_seqs = max_filters, max_seqs
        self._cache: Dict[str, Any] = {}
        self.figures: List[F.Figure] = []

    def once(self, key: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` computed once; a SectionError is cached and re-raised."""
        if key not in self._cache:
            try:
                self._cache[key] = ("ok", fn())
            except SectionError as exc:
                self._cache[key] = ("err", exc)
        state, value = self._cache[key]
        if state == "err":
            raise value
        return value

    def save(self, fig, table: pd.DataFrame, name: str, caption: str, dpi: int = 110, tight: bool = True) -> F.Figure:
        record = F.save_figure(fig, table, self.outdir, name, caption, dpi=dpi, tight=tight)
        self.figures.append(record)
        return record

    # model and data
    def model(self):
        def load():
            from satori.models import load
            if self.rf.model_dir is None:
                raise SectionError("no model directory (config.json + model.pt from satori-train) in the run")
            try:
                return load(self.rf.model_dir, device=self.device)
            except InputError as exc:
                raise SectionError(f"the model cannot be loaded: {exc}") from None
        return self.once("model", load)

    def labels(self) -> pd.DataFrame:
        def load():
            from satori.data.labels import read_labels
            if self.rf.labels is None:
                raise SectionError(f"no {formats.LABELS_TSV} in the run")
            try:
                return read_labels(self.rf.labels, require_split=False)
            except InputError as exc:
                raise SectionError(str(exc)) from None
        return self.once("labels", load)

    def sequences(self) -> Dict[str, str]:
        def load():
            from satori.data.fasta import read_fasta
            if self.rf.fasta is None:
                raise SectionError("no sequence FASTA in the run")
            try:
                ids, seqs = read_fasta(self.rf.fasta)
            except InputError as exc:
                raise SectionError(str(exc)) from None
            return dict(zip(ids, seqs))
        return self.once("sequences", load)

    def test_set(self):
        """(ids, X uint8 (n, 4, L), y (n, n_labels), label names) of the test split."""
        def load():
            # the loader of satori-train and the interpreters: the same test split (the
            # seeded one train drew when labels.tsv has no split column)
            from satori.data.dataset import load_dataset
            from satori.interpret.select import train_data
            model = self.model()
            if self.rf.labels is None or self.rf.fasta is None:
                raise SectionError(f"no {formats.LABELS_TSV} and sequence FASTA in the run")
            try:
                data = load_dataset(self.rf.fasta, self.rf.labels, length=model.config.length,
                                    seed=train_data(self.rf.model_dir).split_seed, split="test")
            except InputError as exc:
                raise SectionError(str(exc)) from None
            rows = np.arange(len(data.ids))
            if len(rows) > MAX_TEST_SEQS:
                rng = np.random.default_rng(self.seed)
                rows = np.sort(rng.choice(len(rows), MAX_TEST_SEQS, replace=False))
            return [data.ids[i] for i in rows], data.X[rows].numpy(), data.y[rows].numpy(), data.label_names
        return self.once("test_set", load)

    def test_scores(self) -> np.ndarray:
        """Sigmoid outputs of the model on the test set, shape=(n, n_labels)."""
        def run():
            import torch
            from satori.batching import predict
            ids, X, y, cols = self.test_set()
            out = predict(self.model(), X, batch_size=256, device=self.device,
                          func=lambda m, xb: torch.sigmoid(m(xb)))
            return out.numpy()
        return self.once("test_scores", run)

    def metrics_doc(self) -> dict:
        def load():
            if self.rf.metrics is None:
                return {}
            try:
                doc = read_json(self.rf.metrics, self.rf)
            except SectionError:
                return {}
            return doc if isinstance(doc, dict) else {}
        return self.once("metrics_doc", load)

    def truth(self) -> Optional[set]:
        """The simulated TF pairs (pair keys), None on real data or when unreadable."""
        def load():
            if self.rf.pairs is None:
                return None
            try:
                return read_truth(self.rf)
            except SectionError:
                return None
        return self.once("truth", load)

    def simulation(self) -> dict:
        """The simulate step's params.json (its resolved ``settings``), or {}."""
        def load():
            for key, path in sorted(self.rf.params.items()):
                doc = params_doc(path)
                if step_of_params(key, doc) == "simulate":
                    return doc
            return {}
        return self.once("simulation", load)

    def gap_range(self) -> Optional[tuple]:
        """(gap_min, gap_max) bp of the simulated partners: the simulation's params.json,
        else its preset; None on real data."""
        doc = self.simulation()
        settings = doc.get("settings") if isinstance(doc.get("settings"), dict) else {}
        lo = settings.get("gap_min", doc.get("gap_min"))
        hi = settings.get("gap_max", doc.get("gap_max"))
        if (lo is None or hi is None) and doc.get("preset"):
            try:
                from satori.simulate.presets import PRESETS
                cfg = PRESETS.get(str(doc["preset"]))
                lo, hi = (cfg.gap_min, cfg.gap_max) if cfg is not None else (lo, hi)
            except ImportError:
                pass
        if lo is None or hi is None:
            return None
        return float(lo), float(hi)

    def n_sim_tfs(self) -> Optional[int]:
        """How many TFs the simulation drew from (settings.n_tfs, else motifs.meme)."""
        doc = self.simulation()
        settings = doc.get("settings") if isinstance(doc.get("settings"), dict) else {}
        n = settings.get("n_tfs") or doc.get("n_tfs")
        if n:
            return int(n)
        if self.rf.motifs_meme is not None:
            try:
                from satori.motifs.io import read_meme
                return len({m.name.upper() for m in read_meme(self.rf.motifs_meme)})
            except InputError:
                return None
        return None

    def partner_distances(self) -> Optional[np.ndarray]:
        """Start-to-start distances (bp) of the implanted partners (implants.tsv rows of
        the same sequence and pair >= 0), the measure of interactions.tsv's distance."""
        def load():
            if self.rf.implants is None:
                return None
            try:
                imp = read_tsv(self.rf.implants, ["id", "start", "pair"], self.rf)
            except SectionError:
                return None
            imp = imp[pd.to_numeric(imp["pair"], errors="coerce") >= 0]
            starts = pd.to_numeric(imp["start"], errors="coerce")
            g = imp.assign(start=starts).groupby(["id", "pair"])["start"]
            d = (g.max() - g.min())[g.count() == 2]
            return d.to_numpy(dtype=float) if len(d) else None
        return self.once("partner_distances", load)

    def implant_confirmed(self, db: str = "") -> Dict[str, dict]:
        """pair key -> implant row for the TF pairs the implantation confirms (q < 0.05,
        cooperativity > 0, not a control; the smallest q when several tables test the pair).

        The implantation is the model's check of a pair whichever method proposed it, so the
        tables of every method count; but a TF name means the motif of one database, so with
        ``db`` given only the tables built with that database do (all of them when the run does
        not tell which)."""
        def load():
            tables = self.rf.implant_tables
            if db:
                same = [p for p in tables if db_display(implant_db(self.rf, p)) == db_display(db)]
                tables = same or tables
            out: Dict[str, dict] = {}
            for path in tables:
                try:
                    df = read_implant(path, self.rf)
                except SectionError:
                    continue
                for row in df[implant_confirms(df)].to_dict("records"):
                    k = pair_key(row["tf1"], row["tf2"])
                    if k not in out or row["q"] < out[k]["q"]:
                        out[k] = row
            return out
        return self.once(f"implant_confirmed/{db}", load)

    def filter_table(self) -> pd.DataFrame:
        def load():
            if not self.rf.filter_motifs:
                raise SectionError(f"no {formats.FILTER_MOTIFS_TSV} (satori-filter-motifs output) in the run")
            path = primary_filter_motifs(self.rf)
            df = read_tsv(path, ["filter"], self.rf)
            df = numeric(df, ["n_sites", "ic", "p", "E", "q"], self.rf.rel(path))
            df["filter_index"] = [filter_index(x, i) for i, x in enumerate(df["filter"])]
            return df
        return self.once("filter_table", load)

    def filter_names(self) -> Dict[int, str]:
        """filter index -> TF name of its match (annotated filters only)."""
        try:
            df = self.filter_table()
        except SectionError:
            return {}
        if "tf" not in df.columns:
            return {}
        return {int(i): str(t) for i, t in zip(df["filter_index"], df["tf"]) if isinstance(t, str) and t.strip()}


def filter_index(value: Any, position: int) -> int:
    """The filter number of a ``filter`` cell (``12``, ``filter12``, ``f12``)."""
    m = re.search(r"(\d+)\s*$", str(value))
    return int(m.group(1)) if m else position


def primary_filter_motifs(rf: RunFiles) -> Path:
    """The filter annotation shown in the report when the run has several (database
    variants): the one against JASPAR when its directory says so, else the first."""
    for p in rf.filter_motifs:
        if "jaspar" in rf.rel(p).lower():
            return p
    return rf.filter_motifs[0]


def guarded(section: Section, what: str, fn: Callable[[], Any]) -> Any:
    """Run one part of a section; a failure becomes a note in the section, not a crash."""
    try:
        return fn()
    except SectionError as exc:
        section.problem(f"{what}: {exc}")
    except Exception as exc:  # a malformed input we did not foresee: say so and go on
        log.debug("report: %s failed", what, exc_info=True)
        section.problem(f"{what} could not be drawn ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
    return None


# --- 1. run summary ---------------------------------------------------------------------

def _params(rf: RunFiles) -> Dict[str, dict]:
    out = {}
    for step, path in rf.params.items():
        try:
            obj = read_json(path, rf)
            out[step] = obj if isinstance(obj, dict) else {"value": obj}
        except SectionError as exc:
            out[step] = {"error": str(exc)}
    return out


STEP_TOOLS = {  # step shown in the report -> (params.json "tool", the pipeline's folder name)
    "simulate": ("satori-simulate", "simulate"),
    "prepare-dhs": ("satori-prepare-dhs", "prepare_dhs"),
    "train": ("satori-train", "train"),
    "filter-motifs": ("satori-filter-motifs", "filter_motifs"),
    "interpret-raw": ("satori-interpret-raw", "interpret_raw"),
    "interpret-attr": ("satori-interpret-attr", "interpret_attr"),
    "dfim": ("satori-dfim", "dfim"),
    "evaluate": ("satori-evaluate", "evaluate"),
    "implant": ("satori-implant", "implant"),
    "hippie-lookup": ("satori-hippie-lookup", "hippie"),
}


def step_of_params(key: str, doc: dict) -> Optional[str]:
    """The step a params.json belongs to: its ``tool``, else its folder (``train/``...),
    else the options only simulate and train write."""
    tool = doc.get("tool")
    for step, (name, folder) in STEP_TOOLS.items():
        if tool == name:
            return step
    parts = Path(key).parts
    for step, (name, folder) in STEP_TOOLS.items():
        if folder in parts:
            return step
    if tool is None:
        if "preset" in doc and "n_seqs" in doc:
            return "simulate"
        if "max_epochs" in doc and "n_filters" in doc:
            return "train"
    return None


def step_inventory(rf: RunFiles, sets: List[InteractionSet]) -> pd.DataFrame:
    """Which steps the run holds (step, status, files).

    status: ``found`` (its outputs are there), ``missing`` (the step ran, its
    params.json or some of its outputs are there, but a file it should have written is
    not: red), ``not run`` (nothing of the step: the run did not ask for it, grey).
    """
    ran = {step_of_params(k, params_doc(p)) for k, p in rf.params.items()}
    model_files = [rf.model_dir / formats.MODEL_PT] if rf.model_dir is not None else []
    expected = {
        "simulate": [rf.fasta, rf.labels, rf.pairs, rf.motifs_meme, rf.implants],
        "train": [rf.model_dir, (model_files[0] if model_files and model_files[0].is_file() else None),
                  rf.history, rf.metrics],
        "filter-motifs": [rf.filters_meme, rf.filter_motifs[0] if rf.filter_motifs else None],
        "evaluate": [rf.evaluations[0] if rf.evaluations else None],
        "implant": [rf.implant_tables[0] if rf.implant_tables else None,
                    rf.implant_curves[0] if rf.implant_curves else None],
        "hippie-lookup": [rf.ppi_matches[0] if rf.ppi_matches else None,
                          rf.ppi_summaries[0] if rf.ppi_summaries else None],
    }
    names = {"simulate": "sequences, labels, pairs.tsv, motifs.meme, implants.tsv",
             "train": "model directory, model.pt, history.tsv, metrics.json",
             "filter-motifs": "filters.meme, filter_motifs.tsv", "evaluate": "evaluation.json",
             "implant": "implant.tsv, implant_curves.tsv", "hippie-lookup": "ppi_matches.tsv, ppi_summary.json"}
    shown = {"simulate": [rf.fasta, rf.labels, rf.pairs, rf.motifs_meme, rf.implants],
             "train": [rf.model_dir, rf.history, rf.metrics],
             "filter-motifs": [rf.filters_meme] + rf.filter_motifs, "evaluate": rf.evaluations,
             "implant": rf.implant_tables + rf.implant_curves, "hippie-lookup": rf.ppi_matches + rf.ppi_summaries}
    for m, step in (("raw", "interpret-raw"), ("attr", "interpret-attr"), ("dfim", "dfim")):
        mine = [s for s in sets if s.method == m]
        expected[step] = [next((s.tf_path for s in mine if s.tf_path), None),
                          next((s.filt_path for s in mine if s.filt_path), None)]
        names[step] = "tf_interactions.tsv, interactions.tsv"
        shown[step] = [p for s in mine for p in (s.tf_path, s.filt_path)]
    simulated = rf.pairs is not None or "simulate" in ran
    out = []
    for step in ("simulate", "train", "filter-motifs", "interpret-raw", "interpret-attr", "dfim", "evaluate",
                 "implant", "hippie-lookup"):
        paths = expected[step]
        have = [p for p in paths if p is not None]
        if step == "simulate" and not simulated:
            step_name, have_data = "dataset", [p for p in (rf.fasta, rf.labels) if p is not None]
            status = "found" if len(have_data) == 2 else ("missing" if have_data else "not run")
            out.append({"step": step_name, "status": status, "files": ", ".join(rf.rel(p) for p in have_data)})
            continue
        if len(have) == len(paths):
            status = "found"
        elif have or step in ran:
            status = "missing"
        else:
            status = "not run"
        files = ", ".join(dict.fromkeys(rf.rel(p) for p in shown[step] if p is not None))
        if status == "missing":
            lacking = [n for n, p in zip(names[step].split(", "), paths) if p is None]
            files = (files + "; " if files else "") + "lacks " + ", ".join(lacking)
        out.append({"step": step, "status": status, "files": files})
    return pd.DataFrame(out)


def section_summary(rd: RunData, sets: List[InteractionSet]) -> Section:
    rf = rd.rf
    sec = Section("summary", 1, "Run summary")
    inv = step_inventory(rf, sets)
    missing = inv.loc[inv["status"] == "missing", "step"].tolist()
    notrun = inv.loc[inv["status"] == "not run", "step"].tolist()
    if missing:
        sec.problem("Steps that ran but lack an output: " + ", ".join(missing) + ".")
    if notrun:
        sec.notes.append("Steps this run did not ask for (not run): " + ", ".join(notrun) + ".")
    sec.blocks.append(table_block(inv, "Run contents", max_rows=100))

    def dataset():
        from satori.data.labels import label_columns
        labels = rd.labels()
        cols = label_columns(labels)
        items = [("labels file", rf.rel(rf.labels)), ("sequences", len(labels)), ("labels", len(cols))]
        if rf.fasta is not None:
            items.insert(0, ("sequences file", rf.rel(rf.fasta)))
            seqs = guarded(sec, "sequence lengths", rd.sequences)
            if seqs:
                lengths = {len(s) for s in seqs.values()}
                items.append(("length (bp)", ", ".join(map(str, sorted(lengths)[:5])) + (" …" if len(lengths) > 5 else "")))
        if formats.LABELS_SPLIT in labels.columns:
            counts = labels[formats.LABELS_SPLIT].value_counts()
            items.append(("split sizes", ", ".join(f"{s} {int(counts.get(s, 0))}" for s in formats.SPLITS)))
        else:
            items.append(("split sizes", "no split column"))
        sec.blocks.append(kv_block(items, "Dataset"))
        pos = labels[cols].sum(axis=0)
        df = pd.DataFrame({"label": cols, "positives": pos.to_numpy(), "fraction": (pos / len(labels)).to_numpy()})
        if len(cols) > 12:
            summary = df["positives"].describe()
            later.append(text_block(
                f"{len(cols)} labels (multi-label); positives per label: min {int(summary['min'])}, "
                f"median {int(summary['50%'])}, max {int(summary['max'])}."))
        later.append(table_block(df, "Positives per label", max_rows=12))

    later: List[dict] = []  # shown after the model, so the dataset and model boxes sit side by side
    if rf.labels is None:
        sec.problem(f"Dataset: no {formats.LABELS_TSV} in the run.")
    else:
        guarded(sec, "Dataset", dataset)

    def model():
        from satori.models import build, load_config
        try:
            cfg = load_config(rf.model_dir)
        except InputError as exc:
            raise SectionError(str(exc)) from None
        n_params = sum(p.numel() for p in build(cfg).parameters())
        items = [("model directory", rf.rel(rf.model_dir)), ("parameters", f"{n_params:,}")]
        items += model_settings(cfg.to_dict())
        items += [("pooled length L'", cfg.pooled_length)]
        sec.blocks.append(kv_block(items, "Model"))

    if rf.model_dir is None:
        sec.problem("Model: no model directory (config.json from satori-train) in the run.")
    else:
        guarded(sec, "Model", model)
    sec.blocks.extend(later)

    params = _params(rf)
    if params:
        versions = []
        for step, p in params.items():
            ver = next((v for k, v in p.items() if "version" in str(k).lower()), None)
            seed = option(p, "seed")
            versions.append({"folder": step, "step": step_of_params(step, p) or "", "satori version": ver,
                             "seed": "—" if seed is None else seed})
        sec.blocks.append(table_block(pd.DataFrame(versions), "Versions and seeds (each step's params.json)",
                                      max_rows=100))
        for step, p in params.items():
            flat = [(k, json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in p.items()]
            sec.blocks.append(details_block(f"Settings of {step} ({rf.rel(rf.params[step])})", [kv_block(flat)]))
    else:
        sec.notes.append("No params.json in the run: step settings unknown.")
    sec.blocks.append(kv_block([("satori-report version", __version__), ("run directory", str(rf.root))], "Report"))
    return sec


def model_settings(cfg: dict) -> List[tuple]:
    """The settings of a model's config.json that apply to it (no deep_* for a basic
    model, no rnn_hidden without the LSTM, no motif list for trained filters)."""
    skip = {"format", "label_names"}
    if cfg.get("arch") != "deep":
        skip |= {k for k in cfg if k.startswith("deep_")}
    if not cfg.get("rnn"):
        skip |= {"rnn", "rnn_hidden"}
    if not cfg.get("positional_encoding"):
        skip.add("positional_encoding")
    if not cfg.get("residual_attention"):
        skip.add("residual_attention")
    if not cfg.get("attn_dropout"):
        skip.add("attn_dropout")
    items = []
    for k, v in cfg.items():
        if k in skip:
            continue
        if k == "filter_motifs":
            if v:
                items.append(("pre-loaded motif filters", len(v)))
            continue
        if isinstance(v, (list, tuple)):
            v = ", ".join(map(str, v[:6])) + (" …" if len(v) > 6 else "")
        items.append((k, v))
    names = cfg.get("label_names") or []
    if names:
        items.append(("labels", ", ".join(map(str, names[:6])) + (f" … ({len(names)})" if len(names) > 6 else "")))
    return items


# --- 2. training --------------------------------------------------------------------

def metrics_auc(metrics: Any) -> Dict[str, Optional[float]]:
    """Mean test AUROC/AUPRC from a ``metrics.json`` (``satori.schema.Metrics`` keys)."""
    if not isinstance(metrics, dict):
        return {"auroc": None, "auprc": None}
    return {"auroc": as_float(metrics.get(Metrics.MEAN_AUC_ROC)), "auprc": as_float(metrics.get(Metrics.MEAN_AUPRC))}


def kept_epoch_text(history: pd.DataFrame, metrics: dict) -> str:
    """Which epoch's weights the model holds and why, beside the best validation AUC.

    satori-train keeps the epoch of the lowest validation loss (metrics.json
    ``best_epoch``; without it, the argmin of ``valid_loss`` in history.tsv).
    """
    n = len(history)
    epochs = history["epoch"] if "epoch" in history.columns else pd.Series(np.arange(1, n + 1))
    kept = metrics.get("best_epoch") if isinstance(metrics, dict) else None
    if kept is None and "valid_loss" in history.columns and history["valid_loss"].notna().any():
        kept = epochs.iloc[int(history["valid_loss"].to_numpy().argmin())]
    parts = [f"{n} epochs"]
    if kept is not None:
        row = history[epochs == kept]
        loss = row["valid_loss"].iloc[0] if "valid_loss" in history.columns and len(row) else None
        parts.append(f"model kept: epoch {fmt(kept)}, lowest validation loss"
                     + (f" ({fmt(loss)})" if loss is not None else ""))
    if "valid_auc" in history.columns and history["valid_auc"].notna().any():
        i = int(history["valid_auc"].to_numpy(dtype=float).argmax()) if history["valid_auc"].notna().all() \
            else int(history["valid_auc"].idxmax())
        best_auc, at = history["valid_auc"].iloc[i], epochs.iloc[i]
        text = f"best validation AUC {fmt(best_auc)} at epoch {fmt(at)}"
        if kept is not None and at != kept:
            krow = history[epochs == kept]
            if len(krow):
                text += f" (the kept epoch has {fmt(krow['valid_auc'].iloc[0])})"
        parts.append(text)
    if isinstance(metrics, dict) and metrics.get("stopped_early"):
        parts.append("training stopped early (no lower validation loss for --patience epochs)")
    return "; ".join(parts) + "."


def section_training(rd: RunData, summary: dict) -> Section:
    rf = rd.rf
    sec = Section("training", 2, "Training")
    if rf.history is None and rf.metrics is None and rf.model_dir is None:
        return sec.not_run("No satori-train output in the run (history.tsv, metrics.json, model directory).")

    def history():
        df = read_tsv(rf.history, [], rf)
        df = numeric(df, [c for c in df.columns if c != "epoch"] + ["epoch"], rf.rel(rf.history))
        if df.empty:
            raise SectionError(f"{rf.rel(rf.history)} has no epochs")
        fig, table = F.training_curves(df)
        sec.blocks.append(figure_block(rd.save(fig, table, "training_curves",
                                               "Loss, entropy term and validation AUC per epoch (history.tsv).")))
        sec.blocks.append(text_block(kept_epoch_text(df, rd.metrics_doc())))

    if rf.history is None:
        sec.problem(f"Training curves: no {formats.HISTORY_TSV} in the run.")
    else:
        guarded(sec, "Training curves", history)

    if rf.metrics is not None:
        def metrics():
            obj = read_json(rf.metrics, rf)
            aucs = metrics_auc(obj)
            summary.update({k: v for k, v in aucs.items() if v is not None})
            flat = [(k, v) for k, v in obj.items() if not isinstance(v, (dict, list))] if isinstance(obj, dict) else []
            if flat:
                sec.blocks.append(kv_block(flat, f"Test metrics ({rf.rel(rf.metrics)})"))
        guarded(sec, "Test metrics", metrics)

    def curves():
        ids, X, y, cols = rd.test_set()
        scores = rd.test_scores()
        fig, table, aucs = F.roc_pr_curves(y, scores, cols)
        sec.blocks.append(figure_block(rd.save(
            fig, table, "test_roc_pr",
            f"Test ROC and precision-recall curves of {len(ids)} test sequences"
            + (" (per label in grey, macro-average in colour)." if len(cols) > 1 else ".")
        )))
        ok = aucs.dropna()
        if len(cols) > 1:
            desc = ok[["auroc", "auprc"]].describe().loc[["mean", "min", "50%", "max"]].rename(index={"50%": "median"})
            desc.insert(0, "statistic", desc.index)
            sec.blocks.append(table_block(desc, "AUC over labels"))
        sec.blocks.append(table_block(aucs, "AUC per label", max_rows=30))
        summary.setdefault("auroc", float(ok["auroc"].mean()) if len(ok) else None)
        summary.setdefault("auprc", float(ok["auprc"].mean()) if len(ok) else None)

    guarded(sec, "Test ROC/PR curves", curves)
    return sec


# --- 3. filters ---------------------------------------------------------------------

def _motif_lookup(rd: RunData, wanted: set) -> Dict[str, Any]:
    """motif id -> Motif for the match logos: the run's motif files, the filter step's
    --motif-db, then the JASPAR release it used (only if ids remain unresolved)."""
    from satori.motifs.io import read_meme
    rf = rd.rf
    found: Dict[str, Any] = {}
    files = [rf.motifs_meme] if rf.motifs_meme else []
    fm_params = next((p for s, p in rf.params.items() if "filter" in s.lower()), None)
    settings = {}
    if fm_params is not None:
        try:
            settings = read_json(fm_params, rf) or {}
        except SectionError:
            settings = {}
        db = settings.get("motif_db") if isinstance(settings, dict) else None
        if isinstance(db, str) and db and Path(db).is_file():
            files.append(Path(db))
    for path in files:
        try:
            for m in read_meme(path):
                found.setdefault(m.id, m)
        except InputError:
            continue
    missing = {w for w in wanted if w not in found}
    if missing and any(re.match(r"^MA\d+", w) for w in missing):
        try:
            from satori.motifs.jaspar import DEFAULT_COLLECTION, DEFAULT_RELEASE, DEFAULT_TAX_GROUP, load_jaspar
            get = settings.get if isinstance(settings, dict) else (lambda k, d=None: d)
            for m in load_jaspar(get("jaspar_release") or DEFAULT_RELEASE,
                                 get("jaspar_collection") or DEFAULT_COLLECTION,
                                 get("jaspar_tax_group") or DEFAULT_TAX_GROUP):
                found.setdefault(m.id, m)
        except Exception as exc:  # pyjaspar missing or release unknown: logos without matches
            log.warning("report: JASPAR motifs unavailable for match logos (%s)", exc)
    return found


def section_filters(rd: RunData) -> Section:
    from satori.motifs.io import read_meme
    rf = rd.rf
    sec = Section("filters", 3, "Filters")
    if not rf.filter_motifs and rf.filters_meme is None:
        return sec.not_run("No satori-filter-motifs output in the run (filters.meme, filter_motifs.tsv).")
    for c in motif_db_caveats(rf):
        sec.blocks.append(text_block(c, "caveat"))
    df = guarded(sec, "Filter table", rd.filter_table)
    pwms: Dict[int, Any] = {}
    if rf.filters_meme is None:
        sec.problem(f"Logos: no {formats.FILTERS_MEME} in the run.")
    else:
        try:
            motifs = read_meme(rf.filters_meme)
            pwms = {filter_index(m.id, i): m for i, m in enumerate(motifs)}
        except InputError as exc:
            sec.problem(f"Logos: {exc}")
    if df is None:
        if not pwms:
            sec.status = "missing"
            return sec
        df = pd.DataFrame({"filter": [m.id for m in pwms.values()], "filter_index": list(pwms)})
        df["n_sites"] = [m.nsites for m in pwms.values()]
    annotated = named_mask(df, "tf")
    # the TF of each filter in the run's other annotations (database variants): one column each
    cols = ["filter", "logos", "n_sites", "ic", "tf", "cluster_name", "motif_id", "q", "E", "orientation"]
    headers = {"n_sites": "sites", "ic": "IC (bits)", "tf": "TF", "cluster_name": "motif cluster",
               "motif_id": "motif", "orientation": "strand"}
    other_cols: List[str] = []
    other_dbs: List[str] = []
    for extra in rf.filter_motifs:
        if extra == primary_filter_motifs(rf):
            continue
        try:
            other = read_tsv(extra, ["filter", "tf"], rf)
            names = {filter_index(f, i): (t if isinstance(t, str) else "")
                     for i, (f, t) in enumerate(zip(other["filter"], other["tf"]))}
            col = f"tf ({rf.rel(extra.parent)})"
            df[col] = [names.get(int(i), "") for i in df["filter_index"]]
            cols.append(col)
            other_cols.append(col)
            db = db_display(variant_of(rf, extra) or rf.rel(extra.parent))
            other_dbs.append(db)
            headers[col] = f"TF vs {db}"
        except SectionError as exc:
            sec.problem(str(exc))
    other_named = pd.Series(False, index=df.index)
    for col in other_cols:
        other_named |= named_mask(df, col)
    # three groups: matched in the shown annotation (by q), matched only in another one, unmatched
    group = np.where(annotated, 0, np.where(other_named, 1, 2))
    sort_q = df["q"] if "q" in df.columns else pd.Series(np.nan, index=df.index)
    sort_sites = -df["n_sites"].fillna(0) if "n_sites" in df.columns else pd.Series(0, index=df.index)
    df = df.assign(_annot=annotated, _group=group, _q=sort_q.fillna(np.inf), _s=sort_sites)
    df = df.sort_values(["_group", "_q", "_s"], ascending=[True, True, True])
    n_annot = int(df["_annot"].sum())
    n_other = int((df["_group"] == 1).sum())
    n_none = int((df["_group"] == 2).sum())
    sec.blocks.append(text_block(
        f"{len(df)} filters, {n_annot} matched to a database motif"
        + (f" (annotation from {rf.rel(primary_filter_motifs(rf))})" if rf.filter_motifs else "") + "; "
        f"{len(df) - n_annot} unmatched (fewer sites than the minimum or no match at the q threshold)"
        + (f", {n_other} of which match a motif of {' / '.join(other_dbs)}" if n_other else "") + ". "
        "The table shows the matched filters, smallest q first; the others are folded below it. "
        "Logos show information content (bits); a match on the reverse strand (strand −) is drawn "
        "reverse-complemented so it lines up with the filter."))

    wanted = set(df["motif_id"].dropna().astype(str)) if "motif_id" in df.columns else set()
    lookup = guarded(sec, "Match logos", lambda: _motif_lookup(rd, wanted)) or {}
    logo_rows = set(df.index[: rd.max_filters]) if pwms else set()
    if pwms and len(df) > rd.max_filters:
        sec.notes.append(f"Logos drawn for the first {rd.max_filters} filters (--max-filters); the others are listed without.")
    logo_cells, missing_matches = [], 0
    for idx, row in df.iterrows():
        fi = int(row["filter_index"])
        if idx not in logo_rows or fi not in pwms:
            logo_cells.append("")
            continue
        match = None
        mid = str(row.get("motif_id", "")) if row["_annot"] else ""
        if mid and mid != "nan":
            m = lookup.get(mid)
            if m is None:
                missing_matches += 1
            else:
                match = m.pwm
                if str(row.get("orientation", "+")).strip() in ("-", "−", "rc"):
                    match = F.reverse_complement(match)
        title_m = f"{row.get('tf', '')} {mid}".strip() if match is not None else ""

        def draw(fi=fi, match=match, title_m=title_m):
            fig, table = F.logo_pair(pwms[fi].pwm, match, f"filter {fi}", title_m)
            return rd.save(fig, table, f"logos/filter_{fi}", f"Logo of filter {fi}" + (f" and of {title_m}" if title_m else ""), dpi=72, tight=False)

        rec = guarded(sec, f"Logo of filter {fi}", draw)
        logo_cells.append({"img": rec.data_uri, "alt": f"logo of filter {fi}", "width": rec.width,
                           "href": rec.svg} if rec else "")
    if missing_matches:
        sec.notes.append(f"{missing_matches} matched motif(s) not found in the run's motif files or JASPAR: filter logo only.")
    df = df.assign(logos=logo_cells)

    def table(part: pd.DataFrame, title: str = "") -> dict:
        return table_block(part, title, max_rows=max(len(part), 1), columns=cols, headers=headers, cls="filters")

    if n_annot:
        sec.blocks.append(table(df[df["_group"] == 0], "Filters matched to a database motif (smallest q first)"))
    else:
        sec.blocks.append(text_block("No filter matched a database motif in the shown annotation.", "note"))
    if n_other:
        sec.blocks.append(details_block(
            f"{n_other} filter{'s' if n_other != 1 else ''} matched only against {' / '.join(other_dbs)} (show)",
            [table(df[df["_group"] == 1])]))
    if n_none:
        sec.blocks.append(details_block(
            f"{n_none} filter{'s' if n_none != 1 else ''} without a match (show)", [table(df[df["_group"] == 2])]))
    return sec


def named_mask(df: pd.DataFrame, col: str) -> pd.Series:
    """Rows whose ``col`` holds a TF name (not empty, not NaN); all False without the column."""
    if col not in df.columns:
        return pd.Series(False, index=df.index)
    return df[col].notna() & ~df[col].astype(str).str.strip().isin(["", "nan"])


def motif_db_caveats(rf: RunFiles) -> List[str]:
    """memelite's warning, for every filter annotation whose database had < 25 motifs."""
    out = []
    for key, doc in filter_motif_params(rf):
        summary = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
        n = summary.get("n_targets")
        if isinstance(n, (int, float)) and 0 < n < MEMELITE_MIN_TARGETS:
            db = summary.get("motif_db") or option(doc, "motif_db") or "the motif database"
            out.append(f"Filter names of {key or 'the run'} were matched against {int(n)} motifs only "
                       f"({db_display(str(db))}): with fewer than {MEMELITE_MIN_TARGETS} target motifs TomTom's "
                       f"(memelite's) p-values are unreliable, so the q-values of these names (and the TF pairs "
                       f"built on them) are too.")
    return out


# --- 4. attention -------------------------------------------------------------------

def attention_data(rd: RunData):
    """Foreground sequences through the model with attention; hits per pooled position.

    Returns dict with ids, scores (n,), attn (n, L', L') max over heads, act (n, F, L')
    pooled conv activations, thresholds (F,).
    """
    import torch
    from satori.batching import predict

    def run():
        ids, X, y, cols = rd.test_set()
        pos = np.flatnonzero(y.max(axis=1) > 0)
        if pos.size == 0:
            raise SectionError("the test set has no positive sequence")
        if pos.size > rd.max_seqs:
            rng = np.random.default_rng(rd.seed)
            pos = np.sort(rng.choice(pos, rd.max_seqs, replace=False))
        model = rd.model()

        def fn(m, xb):
            logits, probs = m(xb, return_attention=True)
            act = m.pool(m.conv_activations(xb))
            return torch.sigmoid(logits), probs.amax(dim=1), act

        prob, attn, act = predict(model, X[pos], batch_size=64, device=rd.device, func=fn)
        prob, attn, act = prob.numpy(), attn.numpy(), act.numpy()
        # score of a sequence: its best output among its positive labels
        ypos = y[pos].astype(bool)
        score = np.where(ypos, prob, -np.inf).max(axis=1)
        fmax = act.max(axis=(0, 2))
        return {"ids": [ids[i] for i in pos], "score": score, "attn": attn, "act": act,
                "thresholds": 0.65 * fmax, "pool": model.config.pool}
    return rd.once("attention", run)


def sequence_hits(act: np.ndarray, thresholds: np.ndarray, names: Dict[int, str]) -> pd.DataFrame:
    """The strongest filter hit per pooled position of one sequence.

    act: shape=(F, L') pooled activations; thresholds: shape=(F,). A filter hits a
    position when its activation exceeds its threshold (thresholds of 0 never hit).
    Returns rows (position, filter, label, strength = activation / threshold).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(thresholds[:, None] > 0, act / thresholds[:, None], 0.0)
    hit = ratio > 1.0
    positions = np.flatnonzero(hit.any(axis=0))
    best = ratio[:, positions].argmax(axis=0)
    return pd.DataFrame({
        "position": positions, "filter": best,
        "label": [names.get(int(f), f"f{int(f)}") for f in best],
        "strength": ratio[best, positions],
    })


def _implants_for(rd: RunData, seq_id: str, pool: int, L: int) -> Optional[pd.DataFrame]:
    if rd.rf.implants is None:
        return None
    imp = rd.once("implants", lambda: read_tsv(rd.rf.implants, ["id", "start"], rd.rf))
    rows = imp[imp["id"].astype(str) == seq_id]
    if rows.empty:
        return pd.DataFrame(columns=["position", "tf"])
    start = pd.to_numeric(rows["start"], errors="coerce").fillna(0).astype(int).to_numpy()
    # the k-mer (conv position) that starts at the motif start, then its pooling window
    pos = np.clip(start // max(pool, 1), 0, L - 1)
    tf = rows["tf"].astype(str).to_numpy() if "tf" in rows else rows.get("motif", pd.Series([""] * len(rows))).to_numpy()
    return pd.DataFrame({"position": pos, "tf": tf})


def section_attention(rd: RunData, sets: Optional[List[InteractionSet]] = None) -> Section:
    rf = rd.rf
    sec = Section("attention", 4, "Attention")
    needs = [("model directory", rf.model_dir), ("sequence FASTA", rf.fasta), ("labels.tsv", rf.labels)]
    absent = [n for n, p in needs if p is None]
    if absent:
        return sec.not_run("Attention maps need the model and the test sequences; the run lacks: " + ", ".join(absent) + ".")
    data = guarded(sec, "Attention", lambda: attention_data(rd))
    sets = sets or []
    if data is None:
        sec.status = "missing"
        return sec
    names = rd.filter_names()
    n = len(data["ids"])
    attn, act = data["attn"], data["act"]
    sec.blocks.append(text_block(
        f"{n} test positives run through the model (--max-seqs {rd.max_seqs}); attention = max over heads. "
        f"Filter hit: pooled activation above 0.65 × the filter's maximum over these sequences; each axis tick "
        f"marks the strongest hit at that position"
        + ("; hits of TF-named filters are labelled with the TF, those of unnamed filters are short unlabelled ticks"
           if names else ", labelled with the filter number (no filter annotation in the run)")
        + "." + (" Red triangles: implanted motifs (start position, pooled)." if rf.implants else "")))

    def dist():
        cutoff = float(attn.mean())
        fig, table = F.attention_distribution(attn, cutoff)
        sec.blocks.append(figure_block(rd.save(fig, table, "attention_distribution",
                                               f"Attention values over {n} foreground sequences (log counts); dashed: mean, the default cutoff of interpret-raw.")))
    guarded(sec, "Attention distribution", dist)

    same_len = act.shape[-1] == attn.shape[-1]
    if not same_len:
        sec.problem("Filter hits not marked: the model's pooled conv length differs from its attention length.")
    order = np.argsort(-data["score"], kind="stable")[:N_HEATMAPS]
    hit_rows = []
    for k, i in enumerate(order, start=1):
        seq_id = data["ids"][i]
        hits = sequence_hits(act[i], data["thresholds"], names) if same_len else pd.DataFrame(columns=["position", "label", "strength"])
        hit_rows.append(hits.assign(sequence=seq_id))
        implants = guarded(sec, "Implanted motifs", lambda: _implants_for(rd, seq_id, data["pool"], attn.shape[-1]))

        def draw(i=i, seq_id=seq_id, hits=hits, implants=implants, k=k):
            fig, table = F.attention_heatmap(attn[i], hits, f"{seq_id} (p = {data['score'][i]:.2f})", implants)
            return rd.save(fig, table, f"attention_heatmap_{k}",
                           f"Attention of test sequence {seq_id} (max over heads; rows attend to columns), filter hits on the axes.")
        rec = guarded(sec, f"Heatmap {k}", draw)
        if rec:
            sec.blocks.append(figure_block(rec))
    if hit_rows:
        hits_all = pd.concat(hit_rows, ignore_index=True)
        buf = hits_all.to_csv(sep="\t", index=False, lineterminator="\n", float_format="%.6g")
        write_text(rd.outdir / formats.REPORT_FIGURES_DIR / "attention_hits.tsv", buf)
    if same_len:
        guarded(sec, "Attention of the significant TF pairs", lambda: pair_maps(rd, sec, sets, data))
    return sec


def pair_scores(attn: np.ndarray, hit: np.ndarray, fa: Sequence[int], fb: Sequence[int]):
    """Best attention of a TF pair in each sequence, and where.

    attn: shape=(n, L', L') max over heads; hit: bool (n, F, L') filter hits; fa, fb:
    the filters named after TF A and TF B. The score of a sequence is the max of A over
    position pairs i != j with A at i and B at j or B at i and A at j (interpret-raw's
    rule). Returns (score (n,), -inf where the pair is absent; best (n, 2) (i, j)).
    """
    pa = hit[:, list(fa), :].any(axis=1)  # (n, L')
    pb = hit[:, list(fb), :].any(axis=1)
    mask = (pa[:, :, None] & pb[:, None, :]) | (pb[:, :, None] & pa[:, None, :])
    L = attn.shape[-1]
    mask &= ~np.eye(L, dtype=bool)[None]
    masked = np.where(mask, attn, -np.inf).reshape(len(attn), -1)
    flat = masked.argmax(axis=1)
    score = masked[np.arange(len(attn)), flat]
    return score, np.stack(np.unravel_index(flat, (L, L)), axis=1)


def pair_maps(rd: RunData, sec: Section, sets: List[InteractionSet], data: dict) -> None:
    """Per significant TF pair (the N_PAIR_MAPS smallest q), the attention map of the test
    sequence where the pair scores best, both motifs marked."""
    rf = rd.rf
    # one set of maps per motif database (its own filter names), the run's primary annotation first
    primary = primary_filter_motifs(rf) if rf.filter_motifs else None
    want = variant_of(rf, primary) if primary is not None else ""
    chosen: Dict[str, InteractionSet] = {}
    for x in sorted((x for x in sets if x.tf is not None), key=lambda x: (x.variant != want, x.method != "raw")):
        chosen.setdefault(x.variant, x)
    for s in list(chosen.values())[:2]:
        fm = next((p for p in rf.filter_motifs if variant_of(rf, p) == s.variant), primary)
        pair_maps_of(rd, sec, s, data, fm)


def _filter_names_of(rd: RunData, path: Optional[Path]) -> Dict[int, str]:
    """filter index -> TF name in one filter_motifs.tsv (the primary one: rd.filter_names())."""
    if path is None or path == (primary_filter_motifs(rd.rf) if rd.rf.filter_motifs else None):
        return rd.filter_names()
    try:
        df = read_tsv(path, ["filter", "tf"], rd.rf)
    except SectionError:
        return {}
    return {filter_index(f, i): str(t) for i, (f, t) in enumerate(zip(df["filter"], df["tf"]))
            if isinstance(t, str) and t.strip()}


def pair_maps_of(rd: RunData, sec: Section, s: InteractionSet, data: dict, fm_path: Optional[Path]) -> None:
    rf = rd.rf
    primary = fm_path
    sig = significant_tf(s).sort_values("q")
    sec.blocks.append(sub_block(f"Significant TF pairs on the attention map of their best sequence ({s.label})"))
    if sig.empty:
        sec.blocks.append(text_block(f"No TF pair with q < {fmt(s.q_threshold)}: nothing to draw.", "note"))
        return
    names = _filter_names_of(rd, fm_path)
    by_tf: Dict[str, List[int]] = {}
    for f, t in names.items():
        by_tf.setdefault(str(t).upper(), []).append(f)
    hit = data["act"] > data["thresholds"][None, :, None]
    truth = rd.truth()
    drawn, skipped = 0, []
    for row in sig.itertuples():
        if drawn >= N_PAIR_MAPS:
            break
        a, b = str(row.tf1), str(row.tf2)
        fa, fb = by_tf.get(a.upper(), []), by_tf.get(b.upper(), [])
        if not fa or not fb:
            skipped.append(f"{a}–{b} (a TF with no filter in {rf.rel(primary) if primary else 'the filter table'})")
            continue
        score, best = pair_scores(data["attn"], hit, fa, fb)
        i = int(np.argmax(score))
        if not np.isfinite(score[i]):
            skipped.append(f"{a}–{b} (never both present in the {len(score)} sequences)")
            continue
        pa = np.flatnonzero(hit[i, fa, :].any(axis=0))
        pb = np.flatnonzero(hit[i, fb, :].any(axis=0))
        verdict = ""
        if truth is not None:
            verdict = "; a simulated pair" if pair_key(a, b) in truth else "; not a simulated pair"
        drawn += 1
        n_map = len([f for f in rd.figures if f.name.startswith("pair_attention_")]) + 1
        title = f"{a} + {b} (q {fmt(row.q)}{verdict})\nbest of {len(score)}: {data['ids'][i]}, score {fmt(float(score[i]))}"
        fig, table = F.pair_attention_map(data["attn"][i], pa, pb, tuple(best[i]), a, b, title, pool=data["pool"])
        dist = abs(int(best[i][0]) - int(best[i][1])) * data["pool"]
        sec.blocks.append(figure_block(rd.save(
            fig, table, f"pair_attention_{n_map}",
            f"{a} + {b}: attention of the test sequence {data['ids'][i]}, where this pair scores best among the "
            f"{len(score)} sequences run through the model; shaded bands (and the tracks above and left of the map): "
            f"where the filters named after {a} (blue) and {b} (orange) hit; green circle: the best-scoring "
            f"position pair ({dist} bp apart).")))
    if skipped:
        sec.notes.append("Pair maps not drawn for " + "; ".join(skipped[:6]) + ".")


# --- implantation -------------------------------------------------------------------

N_IMPLANT_CURVES = 4  # TF pairs whose cooperativity-vs-gap curves are drawn


def section_implant(rd: RunData) -> Section:
    rf = rd.rf
    sec = Section("implant", 7, "Implantation")
    if not rf.implant_tables:
        return sec.not_run(f"No {formats.IMPLANT_TSV} (satori-implant) in the run: the in-silico implantation was not run.")
    truth = rd.truth()
    gap = rd.gap_range() if truth is not None else None
    sec.blocks.append(text_block(
        "Each TF pair's motifs are implanted, alone and together, into the same background sequences at each gap and "
        "orientation; cooperativity = f(AB) − f(A) − f(B) + f(∅) of the model's logit, averaged over the backgrounds "
        "(bootstrap interval). A pair is confirmed when q < 0.05 and its cooperativity is above 0. Control pairs "
        "(tested as \u201ccontrol\u201d: TF pairs the attention did not call, tested as a baseline) are never confirmed; "
        "controls as cooperative as the predicted pairs mean the implantation sees what the attention did not."))
    for path in rf.implant_tables:
        def one(path=path):
            df = read_implant(path, rf).sort_values("q", kind="stable").reset_index(drop=True)
            conf = implant_confirms(df)
            m, db = method_from_path(rf, path), implant_db(rf, path)
            # the method and database of the folder (implant/<model>_<db>_<method>/ in the pipeline)
            which = (f"pairs of {pair_label(m, db) if db else method_label(m)}" if m in ("raw", "attr", "dfim")
                     else (rf.rel(path.parent) or "pairs"))
            sec.blocks.append(sub_block(f"Implantation of the {which}: {len(df)} pairs tested, "
                                        f"{int(conf.sum())} confirmed"))
            df["rank"] = np.arange(1, len(df) + 1)
            df["interval"] = [{"cls": "nowrap", "text": f"{fmt(lo)} – {fmt(hi)}"} if pd.notna(lo) and pd.notna(hi) else ""
                              for lo, hi in zip(df.get("ci_low", np.nan), df.get("ci_high", np.nan))]
            df["confirmed"] = [{"cls": "confirmed", "text": "confirmed"} if c else "" for c in conf]
            ctrl = implant_controls(df)
            df["tested"] = ["control" if c else "predicted" for c in ctrl]
            if truth is not None:
                df["simulated"] = [{"cls": "true-pair", "text": "true"} if pair_key(a, b) in truth
                                   else {"cls": "false-pair", "text": "false"} for a, b in zip(df["tf1"], df["tf2"])]
            # a column with one value for every pair (one label, one number of backgrounds) is said once
            cols = ["rank", "tf1", "tf2", "tested", "label", "attention_q", "best_gap", "best_orientation",
                    "cooperativity", "interval", "q", "marginal1", "marginal2", "n_backgrounds", "confirmed", "simulated"]
            same = []
            for c, what in (("label", "model output {}"), ("n_backgrounds", "{} backgrounds")):
                if c in df.columns and len(df) > 1 and df[c].nunique(dropna=False) == 1:
                    cols.remove(c)
                    same.append(what.format(fmt(df[c].iloc[0])))
            sec.blocks.append(table_block(
                df, f"Ranked pairs ({rf.rel(path)})", max_rows=40,
                note=("every pair: " + ", ".join(same)) if same else "",
                columns=cols,
                headers={"attention_q": "attention q", "best_gap": "best gap (bp)", "best_orientation": "orientation",
                         "tested": "tested as", "interval": "95 % interval", "marginal1": "effect of tf1 alone",
                         "marginal2": "effect of tf2 alone", "n_backgrounds": "backgrounds"}))
            curves_path = path.parent / formats.IMPLANT_CURVES_TSV
            if not curves_path.is_file():
                curves_path = rf.implant_curves[0] if rf.implant_curves else None
            if curves_path is None:
                sec.problem(f"{formats.IMPLANT_CURVES_TSV}: not in the run, no cooperativity curves.")
                return
            curves = read_implant_curves(curves_path, rf)
            main = df[~ctrl]
            have = set(zip(curves["tf1"].astype(str), curves["tf2"].astype(str)))
            pairs = [(str(a), str(b)) for a, b in zip(main["tf1"], main["tf2"]) if (str(a), str(b)) in have][:N_IMPLANT_CURVES]
            fig, table = F.implant_curves(curves, pairs, gap)
            slug = re.sub(r"[^A-Za-z0-9]+", "_", rf.rel(path.parent)).strip("_") or "run"
            sec.blocks.append(figure_block(rd.save(
                fig, table, f"implant_curves_{slug}",
                f"Cooperativity against the gap for the {len(pairs)} best-ranked pairs, one line per orientation "
                f"(band: bootstrap interval); the gap axis is linear to 20 bp, logarithmic beyond" + (f"; green band: the simulated gap {fmt(gap[0])}–{fmt(gap[1])} bp." if gap else "."))))
        guarded(sec, rf.rel(path), one)
    return sec


# --- 5. interactions ----------------------------------------------------------------

def significant_tf(s: InteractionSet) -> pd.DataFrame:
    """The rows of a method's tf_interactions.tsv with q below its threshold (same-TF pairs dropped)."""
    if s.tf is None:
        return pd.DataFrame(columns=["tf1", "tf2", "q"])
    return s.tf[(s.tf["q"] < s.q_threshold)
                & (s.tf["tf1"].astype(str).str.upper() != s.tf["tf2"].astype(str).str.upper())]


def distance_class_table(sig: pd.DataFrame, truth: set, partners: Optional[np.ndarray]) -> pd.DataFrame:
    """Rows (class, tf1, tf2, distance) of the significant TF pairs, class ``true`` (in
    pairs.tsv) or ``spurious``, plus the implanted partners (start-to-start) when given."""
    rows = []
    if "median_distance" in sig.columns:
        for a, b, d in zip(sig["tf1"], sig["tf2"], sig["median_distance"]):
            rows.append({"class": "true pairs" if pair_key(a, b) in truth else "spurious pairs",
                         "tf1": a, "tf2": b, "distance": d})
    out = pd.DataFrame(rows, columns=["class", "tf1", "tf2", "distance"])
    out["class"] = pd.Categorical(out["class"], ["true pairs", "spurious pairs"])
    out = out.sort_values("class").assign(**{"class": lambda x: x["class"].astype(str)})
    if partners is not None and len(partners):
        out = pd.concat([pd.DataFrame({"class": "implanted partners", "tf1": "", "tf2": "", "distance": partners}),
                         out], ignore_index=True)
    return out


def distance_class_summary(classes: pd.DataFrame) -> pd.DataFrame:
    """One row per class: n, median, quartiles of the distance (bp)."""
    rows = []
    for c in dict.fromkeys(classes["class"]):
        d = classes.loc[classes["class"] == c, "distance"].astype(float).dropna()
        rows.append({"class": c, "n": len(d), "median distance (bp)": d.median() if len(d) else None,
                     "25 %": d.quantile(0.25) if len(d) else None, "75 %": d.quantile(0.75) if len(d) else None})
    return pd.DataFrame(rows)


def pair_cells(df: pd.DataFrame, truth: Optional[set], confirmed: Dict[str, dict]) -> pd.DataFrame:
    """The top-pairs table with a ``simulated`` cell (true / false, coloured) and an
    ``implantation`` cell (confirmed when the implantation says so)."""
    df = df.copy()
    keys = [pair_key(a, b) for a, b in zip(df["tf1"], df["tf2"])]
    if truth is not None:
        df["simulated"] = [{"cls": "true-pair", "text": "true"} if k in truth else {"cls": "false-pair", "text": "false"}
                           for k in keys]
    if confirmed:
        df["implantation"] = [{"cls": "confirmed", "text": f"confirmed (coop. {fmt(confirmed[k]['cooperativity'])})"}
                              if k in confirmed else "" for k in keys]
    return df


def section_interactions(rd: RunData, sets: List[InteractionSet]) -> Section:
    sec = Section("interactions", 5, "Interactions")
    if not sets:
        return sec.not_run("No interactions.tsv / tf_interactions.tsv (satori-interpret-raw, interpret-attr or dfim) in the run.")
    present = {s.method for s in sets}
    lacking = [method_label(m) for m in ("raw", "attr", "dfim") if m not in present]
    if lacking:
        sec.notes.append("Methods not run: " + ", ".join(lacking) + ".")
    truth = rd.truth()
    gap = rd.gap_range() if truth is not None else None
    partners = rd.partner_distances() if truth is not None else None
    for s in sets:
        confirmed = rd.implant_confirmed(s.db)  # the implantations with this set's motif database
        sec.blocks.append(sub_block(s.label))
        for e in s.errors:
            sec.problem(f"{s.label}: {e}")
        slug = re.sub(r"[^A-Za-z0-9]+", "_", s.key).strip("_")
        if s.tf is None and s.filt is None:
            continue
        facts = []
        if s.filt is not None:
            facts.append(f"{fmt(len(s.filt))} filter pairs tested, {fmt(int((s.filt['q'] < s.q_threshold).sum()))} "
                         f"with q < {fmt(s.q_threshold)}")
        if s.tf is not None:
            facts.append(f"{len(s.significant_pairs())} TF pairs with q < {fmt(s.q_threshold)} (of {len(s.tf)})")
        sec.blocks.append(text_block("; ".join(facts) + "."))
        sig = significant_tf(s)
        if s.tf is not None:
            def net(sig=sig, s=s, slug=slug):
                if sig.empty:
                    sec.blocks.append(text_block(f"No TF pair with q < {fmt(s.q_threshold)}: no network to draw.", "note"))
                    return
                fig, table = F.interaction_network(sig, max_edges=MAX_NETWORK_EDGES, seed=rd.seed,
                                                   color=F.METHOD_COLORS.get(s.method, "#1f77b4"), truth=truth)
                cap = (f"{s.label}: TF pairs with q < {fmt(s.q_threshold)}"
                       + (f", the {MAX_NETWORK_EDGES} smallest q of {len(sig)} (the rest are in the table below)"
                          if len(sig) > MAX_NETWORK_EDGES else "")
                       + "; edge width grows with −log10 q"
                       + ("; green solid: a simulated pair, red dashed: not simulated." if truth is not None else "."))
                sec.blocks.append(figure_block(rd.save(fig, table, f"network_{slug}", cap)))
            guarded(sec, f"{s.label} network", net)
        else:
            sec.problem(f"{s.label}: no tf_interactions.tsv, network and top pairs not drawn.")
        if s.filt is not None and "distance" in s.filt.columns:
            def hist(s=s, slug=slug):
                fsig = s.filt[s.filt["q"] < s.q_threshold]
                which = f"significant filter pairs (q < {fmt(s.q_threshold)})"
                if fsig["distance"].notna().sum() == 0:
                    fsig, which = s.filt, "all tested filter pairs (none significant)"
                fig, table = F.distance_histogram(fsig["distance"].to_numpy(dtype=float), f"Distances, {method_label(s.method)}",
                                                  gap=gap, partners=partners)
                cap = f"{s.label}: distance (bp) of the best-scoring position pair, {which}."
                if gap is not None:
                    cap += (f" Green band: the simulated gap ({fmt(gap[0])}–{fmt(gap[1])} bp, end of one motif to the "
                            f"start of its partner)" + ("; hatched: the implanted partners' start-to-start distances "
                                                        "(5–95 %), the measure of this histogram." if partners is not None else "."))
                sec.blocks.append(figure_block(rd.save(fig, table, f"distances_{slug}", cap)))
            guarded(sec, f"{s.label} distances", hist)
        elif s.filt is None:
            sec.problem(f"{s.label}: no interactions.tsv, distance histogram not drawn.")
        if truth is not None and s.tf is not None and "median_distance" in s.tf.columns:
            def classes(sig=sig, s=s, slug=slug):
                table = distance_class_table(sig, truth, partners)
                if table.empty:
                    return
                summ = distance_class_summary(table)
                sec.blocks.append(table_block(summ, f"Pairs by distance class ({method_label(s.method)})",
                                              note="distance of a TF pair: median over its filter pairs of the "
                                                   "best-scoring position pair (tf_interactions.tsv median_distance)"))
                if len(table):
                    fig, t2 = F.distance_classes(table, gap)
                    sec.blocks.append(figure_block(rd.save(
                        fig, t2, f"distance_classes_{slug}",
                        f"{s.label}: distances of the significant TF pairs the simulation implanted (true) and of "
                        f"those it did not (spurious), beside the implanted partners themselves. Pairs that sit far "
                        f"beyond the partners' distances are not what the simulation planted.")))
            guarded(sec, f"{s.label} distance classes", classes)
        if s.tf is not None:
            top = pair_cells(s.tf.sort_values("q").head(TOP_PAIRS), truth, confirmed)
            sec.blocks.append(table_block(top, f"Top TF pairs ({s.label})",
                                          columns=["tf1", "tf2", "q", "p", "n_filter_pairs", "median_distance",
                                                   "simulated", "implantation"],
                                          headers={"n_filter_pairs": "filter pairs", "median_distance": "distance (bp)"}))
    with_tf = [s for s in sets if s.tf is not None]
    by_db: Dict[str, List[InteractionSet]] = {}
    for s in with_tf:
        by_db.setdefault(s.db or s.variant, []).append(s)
    overlapping = {db: ss for db, ss in by_db.items() if len({s.method for s in ss}) >= 2}
    if overlapping:
        sec.blocks.append(sub_block("Overlap of the methods"))
        for k, (db, ss) in enumerate(overlapping.items()):
            def overlap(db=db, ss=ss, k=k):
                fig, table = F.method_overlap({method_label(s.method): s.significant_pairs() for s in ss})
                name = "methods_overlap" if k == 0 else "methods_overlap_" + re.sub(r"[^A-Za-z0-9]+", "_", db).strip("_")
                sec.blocks.append(figure_block(rd.save(fig, table, name,
                                                       f"Significant TF pairs found by each combination of methods, "
                                                       f"filters named against {db_display(db)}.")))
            guarded(sec, f"Overlap ({db_display(db)})", overlap)
    else:
        sec.notes.append("Overlap of methods: one method per motif database in this run (the methods are "
                         "compared only on the same database).")
    return sec


# --- 6. ground truth ----------------------------------------------------------------

def score_rows(rf: RunFiles, sets: List[InteractionSet], evals: List[Evaluation], truth: Optional[set],
               n_tfs: Optional[int] = None):
    """One row of scores per evaluation.json; without any, scores computed from each
    method's tf_interactions.tsv against pairs.tsv. Returns (rows, computed) where
    computed lists (InteractionSet, scores dict) for the computed rows.

    chance_precision: the expected precision of as many random pairs of the named TFs
    (evaluation.json ``random_baseline``); chance_all: true pairs / all pairs of the
    simulation's TFs (40 of 190 = 0.21 for Data-40), when ``n_tfs`` is known.
    """
    rows, computed = [], []
    n_truth = len(truth) if truth else None
    chance_all = None
    if n_tfs and n_tfs > 1:
        n_possible = n_tfs * (n_tfs - 1) // 2
        chance_all = n_truth / n_possible if n_truth else None
    for ev in evals:
        rows.append({"label": ev.label, "method": ev.method, "db": ev.db, "level": "TF names",
                     "precision": ev.precision, "recall": ev.recall, "f1": ev.f1, "q_threshold": ev.q_threshold,
                     "tp": len(ev.tp), "fp": len(ev.fp), "fn": len(ev.fn), "source": rf.rel(ev.path),
                     "chance_all": chance_all, **_baseline_scores(ev)})
    if not evals and truth:
        for s in sets:
            if s.tf is None:
                continue
            sc = scores_at(s.tf, truth, s.q_threshold)
            computed.append((s, sc))
            rows.append({"label": s.label, "method": s.method, "db": s.db or s.variant, "level": "TF names",
                         "precision": sc["precision"], "recall": sc["recall"], "f1": sc["f1"],
                         "q_threshold": s.q_threshold, "tp": len(sc["tp"]), "fp": len(sc["fp"]), "fn": len(sc["fn"]),
                         "source": rf.rel(s.tf_path), "chance_all": chance_all})
    return rows, computed


def cluster_rows(evals: List[Evaluation]) -> List[dict]:
    """Cluster-level scores of the evaluations that have them ("a KLF factor with a SOX factor")."""
    rows = []
    for ev in evals:
        c = ev.cluster or {}
        if not c:
            continue
        base = c.get("random_baseline") if isinstance(c.get("random_baseline"), dict) else {}
        rows.append({"label": ev.label, "method": ev.method, "db": ev.db, "level": "motif clusters",
                     "precision": as_float(c.get("precision")), "recall": as_float(c.get("recall")),
                     "f1": as_float(c.get("f1")), "tp": c.get("n_tp"), "fp": c.get("n_fp"), "fn": c.get("n_fn"),
                     "chance_precision": as_float(base.get("precision")), "random_f1": as_float(base.get("f1")),
                     "source": ev.label})
    return rows


def _baseline_scores(ev: Evaluation) -> dict:
    """Random-pair baseline precision/F1 and cluster-level F1 (and its baseline) of an evaluation.json."""
    def of(d, k):
        return as_float(d.get(k)) if isinstance(d, dict) else None

    cluster = ev.cluster or {}
    return {"chance_precision": of(ev.baseline, "precision"), "random_f1": of(ev.baseline, "f1"),
            "cluster_precision": of(cluster, "precision"), "cluster_f1": of(cluster, "f1"),
            "cluster_chance_precision": of(cluster.get("random_baseline"), "precision"),
            "cluster_random_f1": of(cluster.get("random_baseline"), "f1")}


def score_summary(rows: List[dict], source: str) -> List[dict]:
    """The score rows as stored in report_summary.json: ``method`` is the method
    (attn-raw, attn-attr, dfim), ``motif_db`` the database that named the filters."""
    keep = ("precision", "recall", "f1", "q_threshold", "tp", "fp", "fn", "chance_precision", "chance_all",
            "random_f1", "cluster_precision", "cluster_f1", "cluster_chance_precision", "cluster_random_f1")
    return [dict({"method": method_slug(r.get("method")), "motif_db": r.get("db") or ""},
                 **{k: r.get(k) for k in keep}, source=source) for r in rows]


def summarize_run(rf: RunFiles) -> Dict[str, Any]:
    """The numbers of a run for the index page, read without drawing anything:
    identity (dataset, arch, entropy λ), test AUROC/AUPRC from metrics.json, and the
    interaction scores (evaluation.json, else computed against pairs.tsv)."""
    summary: Dict[str, Any] = {"title": rf.root.name, "run": str(rf.root)}
    summary.update(run_identity(rf))
    if rf.metrics is not None:
        try:
            summary.update({k: v for k, v in metrics_auc(read_json(rf.metrics, rf)).items() if v is not None})
        except SectionError as exc:
            log.warning("%s", exc)
    evals = []
    for path in rf.evaluations:
        try:
            evals.append(read_evaluation(rf, path))
        except SectionError as exc:
            log.warning("%s", exc)
    truth = None
    if not evals and rf.pairs is not None:
        try:
            truth = read_truth(rf)
        except SectionError as exc:
            log.warning("%s", exc)
    sets = read_interaction_sets(rf) if truth else []
    rows, _ = score_rows(rf, sets, evals, truth)
    summary["scores"] = score_summary(rows, "evaluation.json" if evals else "computed")
    return _jsonable(summary)


def section_truth(rd: RunData, sets: List[InteractionSet], summary: dict) -> Section:
    rf = rd.rf
    sec = Section("truth", 6, "Ground truth")
    if rf.pairs is None and not rf.evaluations:
        return sec.not_run("No pairs.tsv or evaluation.json: not a simulated run, or satori-evaluate was not run.")
    evals: List[Evaluation] = []
    for path in rf.evaluations:
        ev = guarded(sec, rf.rel(path), lambda path=path: read_evaluation(rf, path))
        if ev is not None:
            evals.append(ev)
    truth = guarded(sec, "Truth", lambda: read_truth(rf)) if rf.pairs is not None else None
    rows, computed = score_rows(rf, sets, evals, truth, rd.n_sim_tfs())
    source = "evaluation.json" if evals else "computed"
    if computed:
        sec.notes.append("No evaluation.json: scores computed by the report from tf_interactions.tsv and pairs.tsv "
                         "(unordered, case-insensitive TF pairs, same-TF pairs excluded).")
    if truth is not None:
        sec.blocks.append(text_block(f"{len(truth)} interacting TF pairs implanted ({rf.rel(rf.pairs)})."))
    if not rows:
        sec.problem("No scores: no readable evaluation.json, and no tf_interactions.tsv to score against pairs.tsv.")
        if not evals and truth is None:
            sec.status = "missing"
        return sec
    scores = pd.DataFrame(rows)
    summary["scores"] = score_summary(rows, source)
    dbs = sorted(set(scores["db"]) - {""})
    if len(dbs) < 2 and evals:
        sec.notes.append("Only one database mode evaluated" + (f" ({dbs[0]})" if dbs else "")
                         + "; the paper's setting (the simulation's own motifs) and the full database are best read side by side.")

    clusters = pd.DataFrame(cluster_rows(evals))
    chance_all = next((r["chance_all"] for r in rows if r.get("chance_all") is not None), None)
    if chance_all is not None:
        n_tfs = rd.n_sim_tfs()
        sec.blocks.append(text_block(
            f"Chance precision: {len(truth) if truth else ''} true pairs among the {n_tfs * (n_tfs - 1) // 2} pairs "
            f"of the simulation's {n_tfs} TFs, so a random TF pair is a true one with probability {fmt(chance_all)}. "
            f"The evaluation's own baseline (random pairs of the TFs the filters were named after, as many as "
            f"predicted) is the 'chance' column; a method is informative only above it."))

    def bars():
        both = pd.concat([scores, clusters], ignore_index=True) if len(clusters) else scores
        fig, table = F.truth_scores(both.assign(db=both["db"].fillna("")), chance_all=chance_all)
        sec.blocks.append(figure_block(rd.save(
            fig, table, "truth_scores",
            "Precision, recall and F1 of the predicted TF pairs against the implanted pairs (TF names, and motif "
            "clusters when evaluated); black ticks: the precision of as many random pairs; dashed line: true pairs / "
            "all pairs of the simulation's TFs.")))
    guarded(sec, "Scores", bars)
    headers = {"chance_precision": "chance precision", "chance_all": "chance (all TF pairs)",
               "random_f1": "chance F1", "q_threshold": "q threshold"}
    sec.blocks.append(table_block(scores, "Scores (TF names)", headers=headers,
                                  columns=["label", "precision", "chance_precision", "chance_all", "recall", "f1",
                                           "random_f1", "q_threshold", "tp", "fp", "fn", "source"]))
    if len(clusters):
        sec.blocks.append(table_block(clusters, "Scores (motif clusters: a pair of the right clusters counts)",
                                      headers=headers, columns=["label", "precision", "chance_precision", "recall",
                                                                "f1", "random_f1", "tp", "fp", "fn"]))

    curves = {ev.label: ev.curve for ev in evals if ev.curve is not None}
    curve_src = "evaluation.json"
    if not curves and truth:
        curve_src = "computed from tf_interactions.tsv"
        curves = {s.label: pr_curve_from_interactions(s.tf, truth) for s in sets if s.tf is not None}
    if curves:
        def prq():
            qthr = next((ev.q_threshold for ev in evals if ev.q_threshold), DEFAULT_Q)
            fig, table = F.pr_over_q(curves, qthr)
            sec.blocks.append(figure_block(rd.save(fig, table, "truth_pr_over_q",
                                                   f"Precision and recall as the q threshold varies ({curve_src}); dotted: the threshold used.")))
        guarded(sec, "Precision-recall over q", prq)
    else:
        sec.problem("Precision-recall over q: no curve in evaluation.json and no tf_interactions.tsv with pairs.tsv.")

    lists = [(ev.label, ev.tp, ev.fn, ev.fp) for ev in evals] + \
            [(s.label, sc["tp"], sc["fn"], sc["fp"]) for s, sc in computed]
    for label, tp, fn, fp in lists:
        blocks = []
        for name, items in (("found (TP)", tp), ("missed (FN)", fn), ("spurious (FP)", fp)):
            shown = ", ".join(pair_text(k) for k in items[:MAX_LIST]) + (f" … (+{len(items) - MAX_LIST})" if len(items) > MAX_LIST else "")
            blocks.append(kv_block([(f"{name}: {len(items)}", shown or "—")]))
        sec.blocks.append(details_block(f"Pairs of {label}: {len(tp)} found, {len(fn)} missed, {len(fp)} spurious", blocks))
    return sec


# --- 7. known interactions ----------------------------------------------------------

def section_known(rd: RunData) -> Section:
    rf = rd.rf
    sec = Section("known", 8, "Known interactions")
    if not rf.ppi_matches and not rf.ppi_summaries:
        return sec.not_run("No satori-hippie-lookup output (ppi_matches.tsv, ppi_summary.json) in the run "
                           "(expected for real-data runs only).")
    bars = []
    for path in rf.ppi_summaries:
        def one(path=path):
            obj = read_json(path, rf)
            if not isinstance(obj, dict):
                raise SectionError(f"{rf.rel(path)}: expected a JSON object")
            flat = [(k, json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in obj.items()]
            sec.blocks.append(kv_block(flat, f"Summary ({rf.rel(path)})"))
            tested = as_float(obj.get(PPISummary.PAIRS_TESTED))
            matched = as_float(obj.get(PPISummary.PAIRS_MATCHED))
            share = as_float((obj.get(PPISummary.CHANCE) or {}).get(PPISummary.EXPECTED_FRACTION))
            expected = share * tested if share is not None and tested is not None else None
            if tested is not None and matched is not None:
                bars.append({"label": rf.rel(path.parent) or "run", "tested": tested, "matched": matched,
                             "expected": expected})
        guarded(sec, rf.rel(path), one)
    if bars:
        def draw():
            fig, table = F.ppi_support(pd.DataFrame(bars))
            sec.blocks.append(figure_block(rd.save(fig, table, "ppi_support",
                                                   "Predicted TF pairs and those with a known protein-protein interaction.")))
        guarded(sec, "PPI figure", draw)
    for path in rf.ppi_matches:
        def table(path=path):
            df = read_tsv(path, [], rf)
            sec.blocks.append(table_block(df, f"Pairs with PPI support ({rf.rel(path)})", max_rows=50))
        guarded(sec, rf.rel(path), table)
    return sec


# --- assembly -----------------------------------------------------------------------

def run_identity(rf: RunFiles) -> Dict[str, Any]:
    """Dataset name, architecture and entropy λ of a run, from its params/config files."""
    info: Dict[str, Any] = {"dataset": None, "arch": None, "entropy_lambda": None, "n_filters": None}
    for step, path in sorted(rf.params.items()):
        try:
            p = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(p, dict):
            continue
        if info["dataset"] is None and p.get("preset"):
            info["dataset"] = str(p["preset"])
        if info["dataset"] is None and p.get("mode") and "prepare" in step:
            info["dataset"] = f"dhs-{p['mode']}"
        if info["entropy_lambda"] is None and "entropy_lambda" in p:
            info["entropy_lambda"] = as_float(p["entropy_lambda"])
    if rf.model_dir is not None:
        try:
            cfg = json.loads((rf.model_dir / formats.CONFIG_JSON).read_text())
            info["arch"] = cfg.get("arch")
            info["n_filters"] = cfg.get("n_filters")
        except (OSError, json.JSONDecodeError, AttributeError):
            pass
    if info["dataset"] is None:
        info["dataset"] = rf.root.name
    return info


def headline_text(rd: RunData, sets: List[InteractionSet], scores: List[dict]):
    """The summary line at the top of the report, and the same for the other scored
    method/database settings: "N significant TF pairs (method, database); precision P /
    recall R vs the simulation's truth; chance precision X" (real data: without truth)."""
    with_tf = [s for s in sets if s.tf is not None]
    if not with_tf:
        return "No interaction step (interpret-raw, interpret-attr, DFIM) in this run: no TF pairs to report.", []

    def n_sig(method: str, db: str) -> Optional[int]:
        for s in with_tf:
            if method_slug(s.method) == method and (s.db or s.variant) == db:
                return len(s.significant_pairs())
        return None

    lines = []
    for sc in scores:
        label = f"{method_label({'attn-raw': 'raw', 'attn-attr': 'attr'}.get(sc['method'], sc['method']))}, " \
                f"{db_display(sc.get('motif_db', ''))}"
        n = n_sig(sc["method"], sc.get("motif_db", ""))
        if n is None:
            n = int((sc.get("tp") or 0) + (sc.get("fp") or 0))
        chance = sc.get("chance_all") if sc.get("chance_all") is not None else sc.get("chance_precision")
        text = (f"{n} significant TF pairs ({label}); precision {fmt(sc.get('precision'))} / recall "
                f"{fmt(sc.get('recall'))} vs the simulation's truth")
        if chance is not None:
            text += f"; chance precision {fmt(chance)}"
        lines.append((db_display(sc.get("motif_db", "")) == "the simulation's motifs", text))
    if lines:
        lines.sort(key=lambda x: x[0])  # the full database first: the paper's own setting flatters precision
        return lines[0][1] + ".", [t + "." for _, t in lines[1:]]
    s = with_tf[0]
    q = fmt(s.q_threshold)
    text = f"{len(s.significant_pairs())} significant TF pairs ({method_label(s.method)}, {db_display(s.db or s.variant)}) at q < {q}"
    text += "; no simulated truth (real data): compare with known interactions below." if rd.truth() is None else \
        "; not scored against the truth (no evaluation)."
    others = [f"{len(x.significant_pairs())} significant TF pairs ({method_label(x.method)}, {db_display(x.db or x.variant)})."
              for x in with_tf[1:]]
    return text, others


def render(template: str, **context) -> str:
    """Render a template shipped in ``satori/report/templates``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("satori.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    return env.get_template(template).render(**context)


def build_report(
    run_dir: PathLike,
    outdir: Optional[PathLike] = None,
    title: Optional[str] = None,
    max_filters: int = 100,
    max_seqs: int = 100,
    device: str = "cpu",
    seed: int = 0,
    params: Optional[dict] = None,
) -> Path:
    """Write ``report.html``, ``figures/`` and ``report_summary.json`` for one run.

    Parameters
    ----------
    run_dir: str or Path
        The run's output tree (pipeline layout or a flat directory).
    outdir: str or Path or None
        Output directory; default ``<run_dir>/report`` (skipped when reading the run).
    title: str or None
        Report title; default ``satori report: <run directory name>``.
    max_filters: int
        Filters with a logo (matched filters first, by q).
    max_seqs: int
        Test positives run through the model for the attention section.
    device: str or torch.device
        Where the model runs (attention maps, test curves).
    seed: int
        Seeds the sequence samples and the network layout.
    params: dict or None
        Written as ``params.json`` (the CLI's resolved options).

    Returns the output directory. Raises ``InputError`` when ``run_dir`` is missing,
    unreadable or holds no satori output (nothing is written then).
    """
    if max_filters < 0 or max_seqs < 1:
        raise InputError("--max-filters must be >= 0 and --max-seqs >= 1")
    run_dir = Path(run_dir)
    outdir = Path(outdir) if outdir is not None else run_dir / "report"
    rf = discover(run_dir, exclude=[outdir])
    if not rf.found_any():
        raise InputError(
            f"--run {run_dir}: no satori outputs found (none of {formats.HISTORY_TSV}, {formats.FILTER_MOTIFS_TSV}, "
            f"{formats.TF_INTERACTIONS_TSV}, {formats.EVALUATION_JSON}, {formats.LABELS_TSV}, ... anywhere below it)"
        )
    title = title or f"satori report: {rf.root.name}"
    t0 = time.time()
    with staged_outdir(outdir) as stage:
        rd = RunData(rf, stage, seed, device, max_filters, max_seqs)
        sets = read_interaction_sets(rf)
        summary: Dict[str, Any] = {"title": title, "run": str(rf.root), "satori_version": __version__}
        summary.update(run_identity(rf))
        sections = []
        for make in (lambda: section_summary(rd, sets), lambda: section_training(rd, summary),
                     lambda: section_filters(rd), lambda: section_attention(rd, sets),
                     lambda: section_interactions(rd, sets), lambda: section_truth(rd, sets, summary),
                     lambda: section_implant(rd), lambda: section_known(rd)):
            t = time.time()
            sec = make()
            log.info("section %d %s: %s (%.1f s)", sec.number, sec.title, sec.status, time.time() - t)
            sec.blocks = group_figures(sec.blocks)
            sections.append(sec)
        headline, others = headline_text(rd, sets, summary.get("scores") or [])
        summary["headline"] = headline
        caveats = motif_db_caveats(rf)
        summary["sections"] = {s.id: s.status for s in sections}
        summary["report"] = formats.REPORT_HTML
        summary.setdefault("scores", [])
        html = render("report.html.j2", title=title, sections=sections, version=__version__,
                      run=str(rf.root), generated=time.strftime("%Y-%m-%d %H:%M"),
                      n_figures=len(rd.figures), headline=headline, other_scores=others, caveats=caveats,
                      simulated=rd.truth() is not None)
        write_text(stage / formats.REPORT_HTML, html)
        write_text(stage / formats.REPORT_SUMMARY_JSON, json.dumps(_jsonable(summary), indent=2) + "\n")
        if params is not None:
            write_text(stage / formats.PARAMS_JSON,
                       json.dumps(dict(params, satori_version=__version__), indent=2, default=str) + "\n")
    log.info("report written to %s (%d figures, %.1f MB, %.1f s)", outdir / formats.REPORT_HTML, len(rd.figures),
             (outdir / formats.REPORT_HTML).stat().st_size / 1e6, time.time() - t0)
    return outdir


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return float(x) if np.isfinite(x) else None
    return x
