"""Find the files of a run's output tree, by name, wherever they are.

The pipeline publishes one directory per step (``<run>/simulate/``, ``<run>/train/``,
``<run>/filter_motifs/``, ``<run>/interpret_raw/``, ``<run>/interpret_attr/``,
``<run>/dfim/``, ``<run>/evaluate/[<db>/]``, ``<run>/hippie/``), but a user may also
point the report at a flat directory holding the files side by side. So nothing here
depends on directory names: every file is found by its name (``satori.formats``)
anywhere below the run directory, and directory names are used only as hints (the
method of an interactions file without a ``method`` column, the database mode of an
``evaluation.json`` without a ``db_label``).
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Union

from satori import formats
from satori.errors import InputError

PathLike = Union[str, os.PathLike]

FASTA_SUFFIXES = (".fa", ".fa.gz", ".fasta", ".fasta.gz", ".fna", ".fna.gz")

# Directory names the pipeline uses for each step (hints only).
STEP_DIRS = {
    "simulate": "simulate",
    "prepare_dhs": "prepare_dhs",
    "train": "train",
    "filter_motifs": "filter_motifs",
    "interpret_raw": "interpret_raw",
    "interpret_attr": "interpret_attr",
    "dfim": "dfim",
    "evaluate": "evaluate",
    "hippie": "hippie",
    "implant": "implant",
}

METHOD_LABELS = {"raw": "Attn-Raw", "attr": "Attn-Attr", "dfim": "DFIM"}
# the method's name in report_summary.json (what satori-evaluate's "methods" holds)
METHOD_SLUGS = {"raw": "attn-raw", "attr": "attn-attr", "dfim": "dfim"}


def method_slug(method: str) -> str:
    """``raw`` -> ``attn-raw``, ``attr`` -> ``attn-attr``, ``dfim`` -> ``dfim`` (others as is)."""
    return METHOD_SLUGS.get(method, method)


def db_display(db: str) -> str:
    """A motif database label as a reader wants it: ``jaspar`` -> ``JASPAR``,
    ``simulation`` -> ``the simulation's motifs``; a file path -> its file name."""
    s = str(db or "").strip()
    low = s.lower()
    if not s:
        return "the motif database"
    if low in ("simulation", "sim", "simulated") or low.endswith("motifs.meme") or \
            (("simulation" in low or low.endswith("_sim")) and "/" not in s):
        return "the simulation's motifs"  # also the pipeline's <model>_simulation folders
    if "jaspar" in low and "/" not in s:
        return "JASPAR" + s[len("jaspar"):] if low.startswith("jaspar") else "JASPAR"
    return Path(s).name


def pair_label(method: str, db: str) -> str:
    """``Attn-Raw, named against JASPAR``: the method and the database that named the filters."""
    return f"{method_label(method)}, named against {db_display(db)}"


def canonical_method(name: Optional[str]) -> str:
    """Map a method name or directory name to ``raw``, ``attr``, ``dfim`` (or itself).

    ``attn-raw``, ``interpret_raw``, ``attention`` -> ``raw``; ``attn-attr``,
    ``attribution``, ``interpret_attr`` -> ``attr``; anything with ``dfim`` -> ``dfim``.
    Unknown names are returned lower-cased, empty names as ``unknown``.
    """
    s = str(name or "").strip().lower()
    if not s or s == "nan":
        return "unknown"
    if "dfim" in s:
        return "dfim"
    if "attr" in s:
        return "attr"
    if "raw" in s or "attn" in s or "attention" in s:
        return "raw"
    return s


def method_label(method: str) -> str:
    """The paper's name of a method (``Attn-Raw``, ``Attn-Attr``, ``DFIM``)."""
    return METHOD_LABELS.get(method, method)


@dataclass
class RunFiles:
    """The files of one run (paths are absolute; lists are sorted by path).

    Single files are the preferred one when a run holds several (the shallowest
    path, then alphabetical); the list fields keep every copy.
    """

    root: Path
    model_dirs: List[Path] = field(default_factory=list)
    history: Optional[Path] = None
    metrics: Optional[Path] = None
    fasta: Optional[Path] = None
    labels: Optional[Path] = None
    pairs: Optional[Path] = None
    motifs_meme: Optional[Path] = None
    implants: Optional[Path] = None
    filters_meme: Optional[Path] = None
    filter_motifs: List[Path] = field(default_factory=list)
    interactions: List[Path] = field(default_factory=list)
    tf_interactions: List[Path] = field(default_factory=list)
    evaluations: List[Path] = field(default_factory=list)
    ppi_matches: List[Path] = field(default_factory=list)
    ppi_summaries: List[Path] = field(default_factory=list)
    implant_tables: List[Path] = field(default_factory=list)
    implant_curves: List[Path] = field(default_factory=list)
    params: Dict[str, Path] = field(default_factory=dict)

    @property
    def model_dir(self) -> Optional[Path]:
        return self.model_dirs[0] if self.model_dirs else None

    def rel(self, path: Optional[PathLike]) -> str:
        """``path`` relative to the run directory (for display)."""
        if path is None:
            return ""
        try:
            return str(Path(path).relative_to(self.root)) or "."
        except ValueError:
            return str(path)

    def found_any(self) -> bool:
        """Whether the run holds at least one file the report knows."""
        singles = (self.history, self.metrics, self.fasta, self.labels, self.pairs,
                   self.motifs_meme, self.implants, self.filters_meme)
        lists = (self.model_dirs, self.filter_motifs, self.interactions, self.tf_interactions,
                 self.evaluations, self.ppi_matches, self.ppi_summaries, self.implant_tables,
                 self.implant_curves, list(self.params))
        return any(p is not None for p in singles) or any(lists)


def _walk(root: Path, exclude: Iterable[Path]) -> List[Path]:
    """Every regular file under ``root``, skipping hidden paths and ``exclude`` trees."""
    exclude = [Path(os.path.abspath(e)) for e in exclude]
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            sub = here / d
            if d.startswith(".") or any(sub == e for e in exclude):
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            if f.startswith("."):
                continue
            p = here / f
            if p.is_file():
                out.append(p)
    return out


def _depth_key(root: Path):
    return lambda p: (len(p.relative_to(root).parts), str(p))


def _is_fasta(name: str) -> bool:
    return name.lower().endswith(FASTA_SUFFIXES)


def discover(run_dir: PathLike, exclude: Iterable[PathLike] = ()) -> RunFiles:
    """Find the known files under ``run_dir``.

    Parameters
    ----------
    run_dir: str or Path
        A run's output tree (pipeline layout or flat directory).
    exclude: paths
        Directories to skip (the report's own output directory when it lies inside
        the run).

    Raises
    ------
    InputError
        ``run_dir`` is missing, not a directory or not readable.
    """
    root = Path(os.path.abspath(run_dir))
    if not root.exists():
        raise InputError(f"--run {run_dir}: directory not found")
    if not root.is_dir():
        raise InputError(f"--run {run_dir}: not a directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise InputError(f"--run {run_dir}: directory is not readable")
    try:
        files = _walk(root, [Path(e) for e in exclude])
    except OSError as exc:
        raise InputError(f"--run {run_dir}: cannot list the directory ({exc})") from None

    by_name: Dict[str, List[Path]] = {}
    for p in files:
        by_name.setdefault(p.name, []).append(p)
    key = _depth_key(root)

    def first(name: str) -> Optional[Path]:
        found = sorted(by_name.get(name, []), key=key)
        return found[0] if found else None

    def every(name: str) -> List[Path]:
        return sorted(by_name.get(name, []), key=key)

    rf = RunFiles(root=root)
    # A model directory is a directory with config.json (and normally model.pt).
    configs = every(formats.CONFIG_JSON)
    rf.model_dirs = [p.parent for p in sorted(configs, key=lambda p: (not (p.parent / formats.MODEL_PT).is_file(), key(p)))]
    model_dir = rf.model_dir
    rf.history = (model_dir / formats.HISTORY_TSV) if model_dir and (model_dir / formats.HISTORY_TSV).is_file() \
        else first(formats.HISTORY_TSV)
    rf.metrics = (model_dir / formats.METRICS_JSON) if model_dir and (model_dir / formats.METRICS_JSON).is_file() \
        else first(formats.METRICS_JSON)

    rf.labels = first(formats.LABELS_TSV)
    fastas = sorted((p for p in files if _is_fasta(p.name)), key=key)
    preferred = [p for p in fastas if p.name == formats.SEQUENCES_FA]
    if rf.labels is not None:
        # The sequences that go with the labels: same directory first.
        same_dir = [p for p in fastas if p.parent == rf.labels.parent]
        preferred = [p for p in preferred if p.parent == rf.labels.parent] + same_dir + preferred
    candidates = preferred + fastas
    rf.fasta = candidates[0] if candidates else None

    rf.pairs = first(formats.PAIRS_TSV)
    rf.implants = first(formats.IMPLANTS_TSV)
    rf.motifs_meme = first(formats.MOTIFS_MEME)
    rf.filters_meme = first(formats.FILTERS_MEME)
    rf.filter_motifs = every(formats.FILTER_MOTIFS_TSV)
    rf.interactions = every(formats.INTERACTIONS_TSV)
    rf.tf_interactions = every(formats.TF_INTERACTIONS_TSV)
    rf.evaluations = every(formats.EVALUATION_JSON)
    rf.ppi_matches = every(formats.PPI_MATCHES_TSV)
    rf.ppi_summaries = every(formats.PPI_SUMMARY_JSON)
    rf.implant_tables = every(formats.IMPLANT_TSV)
    rf.implant_curves = every(formats.IMPLANT_CURVES_TSV)
    for p in every(formats.PARAMS_JSON):
        rf.params[rf.rel(p.parent)] = p
    return rf


def variant_of(rf: RunFiles, path: Path) -> str:
    """A short label for the directory a file sits in, minus the step's own name.

    ``interpret_raw/jaspar/tf_interactions.tsv`` -> ``jaspar``;
    ``interpret_raw/tf_interactions.tsv`` -> ``""``; a flat run -> ``""``.
    """
    parts = list(Path(rf.rel(path.parent)).parts)
    parts = [p for p in parts if p not in STEP_DIRS and p != "."]
    return "/".join(parts)


def method_from_path(rf: RunFiles, path: Path) -> str:
    """The method an output file belongs to, guessed from its directory names."""
    for part in reversed(Path(rf.rel(path.parent)).parts):
        m = canonical_method(part)
        if m in METHOD_LABELS:
            return m
    return "unknown"
