"""satori-report --index: the page comparing configurations, and the MultiQC files."""

import io
import json
import os
import re

import pandas as pd
import pytest

from report_fixtures import make_run
from satori import formats
from satori.cli.report import main
from satori.report.build import build_report
from satori.report.index import MQC_AUC, MQC_TABLE, mqc_table, summary_table
from satori.schema import Metrics

from test_report import external_refs


def _set_eval(run, db, precision, recall):
    path = run / "evaluate" / db / formats.EVALUATION_JSON
    obj = json.loads(path.read_text())
    obj.update(precision=precision, recall=recall, f1=2 * precision * recall / (precision + recall))
    path.write_text(json.dumps(obj))


def _set_auc(run, auc):
    path = run / "train" / formats.METRICS_JSON
    obj = json.loads(path.read_text())
    obj[Metrics.MEAN_AUC_ROC] = auc
    path.write_text(json.dumps(obj))


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """Four configurations: data-40/data-60 x lambda 0/0.01; data-40 lambda 0 has two replicates.
    The first one is a report directory (satori-report --run), the others run trees."""
    root = tmp_path_factory.mktemp("grid")
    steps = ("simulate", "train", "evaluate")
    dirs = []
    specs = [("data-40", 0.0, 0, 0.8, 0.5), ("data-40", 0.0, 1, 0.9, 0.7), ("data-40", 0.01, 0, 0.85, 0.9),
             ("data-60", 0.0, 0, 0.7, 0.4), ("data-60", 0.01, 0, 0.75, 0.6)]
    for ds, lam, rep, auc, prec in specs:
        run = make_run(root / "runs" / f"{ds}_l{lam}_r{rep}", steps=steps, seed=rep, preset=ds, entropy_lambda=lam)
        _set_auc(run, auc)
        _set_eval(run, "jaspar", prec, 0.5)
        _set_eval(run, "simulation", min(1.0, prec + 0.1), 0.5)
        dirs.append(run)
    # the first configuration as a published report directory, as the pipeline will pass it
    report_dir = root / "report" / "data-40_l0.0_r0"
    build_report(dirs[0], report_dir, max_seqs=2)
    dirs[0] = report_dir
    out = root / "report"
    status = main(["--index", *map(str, dirs), "--outdir", str(out), "--log-level", "WARNING"])
    assert status == 0
    return dirs, out


def test_index_page(grid):
    dirs, out = grid
    html = (out / formats.INDEX_HTML).read_text()
    assert external_refs(html) == []
    assert "<script" not in html.lower()
    # the report directory is linked by a relative path that exists
    links = set(re.findall(r'href="([^"#]+report\.html)"', html))
    assert links == {"data-40_l0.0_r0/report.html"}
    assert (out / links.pop()).is_file()
    for name in ("data-40_l0.01_r0", "data-60_l0.0_r0", "Attn-Raw", "jaspar", "simulation"):
        assert name in html
    for stem in ("index_auc", "index_interactions_jaspar", "index_interactions_simulation"):
        for ext in (".png", ".svg", ".tsv"):
            assert (out / "figures" / f"{stem}{ext}").is_file(), stem + ext


def test_index_figure_numbers_are_means_over_replicates(grid):
    _, out = grid
    auc = pd.read_csv(out / "figures" / "index_auc.tsv", sep="\t")
    row = auc[(auc["dataset"] == "data-40") & (auc["group"] == "λ=0")].iloc[0]
    assert row["mean"] == pytest.approx(0.85) and row["n"] == 2
    inter = pd.read_csv(out / "figures" / "index_interactions_jaspar.tsv", sep="\t")
    p = inter[(inter["metric"] == "precision") & (inter["dataset"] == "data-40") & (inter["group"] == "Attn-Raw · λ=0")]
    assert p["mean"].iloc[0] == pytest.approx(0.6)


def test_multiqc_custom_content(grid):
    _, out = grid
    text = (out / MQC_TABLE).read_text()
    header = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    assert header[0] == "id: 'satori_summary'"
    assert "plot_type: 'table'" in header and "section_name: 'SATORI'" in header
    yaml = pytest.importorskip("yaml")
    meta = yaml.safe_load("\n".join(header))
    assert meta["pconfig"]["id"] == "satori_summary_table" and meta["headers"]["f1"]["max"] == 1
    table = pd.read_csv(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#"))), sep="\t")
    assert list(table.columns[:2]) == ["sample", "dataset"]
    assert len(table) == 10 and table["sample"].is_unique  # 5 configurations x 2 database modes
    assert {"precision", "recall", "f1", "auroc"} <= set(table.columns)
    for png in (MQC_AUC, "satori_interactions_jaspar_mqc.png", "satori_interactions_simulation_mqc.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_summary_table_without_scores(tmp_path):
    run = make_run(tmp_path / "only_train", steps=("train",))
    df = summary_table([run], tmp_path / "out")
    assert len(df) == 1 and df["method"].iloc[0] == "" and df["auroc"].iloc[0] == pytest.approx(0.81)
    assert "only_train" in mqc_table(df)
    assert main(["--index", str(run), "--outdir", str(tmp_path / "out"), "--log-level", "ERROR"]) == 0
    html = (tmp_path / "out" / formats.INDEX_HTML).read_text()
    assert "No configuration has interaction scores" in html


def test_index_errors(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--index", str(tmp_path / "missing"), "--outdir", str(out)]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["--index", str(tmp_path / "empty"), "--outdir", str(out)]) == 2
    errs = capsys.readouterr().err.strip().splitlines()
    assert len(errs) == 2 and "directory not found" in errs[0] and "neither a satori report" in errs[1]
    assert not out.exists()
    assert not os.path.exists(out)
