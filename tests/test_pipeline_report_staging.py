"""The run trees the pipeline stages for satori-report, read the way satori-report reads them.

SATORI_REPORT gets one trained model's step folders, each named after its configuration and
staged under run/<step>/ (e.g. run/evaluate/data-40_lambda0_jaspar_raw/evaluation.json), and
SATORI_REPORT_INDEX links the report folders next to the index page. These tests lay out the
files of a fake run (tests/report_fixtures.py) exactly so, with evaluation.json as
satori-evaluate writes it inside a task (the interactions path as given on its command line,
no method key), and check that the report finds the dataset, the entropy λ, both motif
databases and the method, and that the index links each report where the pipeline
publishes it. Seconds; no model is trained.
"""

import html as html_mod
import json
import os
import re
from pathlib import Path

import pandas as pd
from report_fixtures import make_implant, make_run
from satori import formats
from satori.report.build import summarize_run
from satori.report.discover import discover
from satori.report.index import summary_table
from satori.cli.report import main as report_main

MODEL_ID = "data-40_lambda0.01"


def staged_benchmark_run(tmp_path: Path) -> Path:
    """The benchmark's report input for one model, staged as SATORI_REPORT stages it."""
    src = make_run(tmp_path / "src", steps=("simulate", "train", "filter_motifs", "interpret_raw", "evaluate"),
                   preset="data-40", entropy_lambda=0.01)
    run = tmp_path / "task" / "run"
    links = {
        run / "simulate" / "data-40": src / "simulate",
        run / "train" / MODEL_ID: src / "train",
        run / "filter_motifs" / f"{MODEL_ID}_jaspar": src / "filter_motifs",
        run / "filter_motifs" / f"{MODEL_ID}_simulation": src / "filter_motifs",
        run / "interpret_raw" / f"{MODEL_ID}_jaspar": src / "interpret_raw",
        run / "interpret_raw" / f"{MODEL_ID}_simulation": src / "interpret_raw",
    }
    for link, target in links.items():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    for db in ("jaspar", "simulation"):
        # satori-evaluate in its task: --interactions tf_interactions.tsv, --db-label <db>, no method key
        doc = json.loads((src / "evaluate" / db / formats.EVALUATION_JSON).read_text())
        doc.pop("method")
        doc.update(interactions="tf_interactions.tsv", truth="pairs.tsv", methods=["raw"])
        out = run / "evaluate" / f"{MODEL_ID}_{db}_raw" / formats.EVALUATION_JSON
        out.parent.mkdir(parents=True)
        out.write_text(json.dumps(doc))
    return run


def test_benchmark_run_tree_is_read_as_one_configuration(tmp_path):
    rf = discover(staged_benchmark_run(tmp_path))
    assert rf.model_dir.name == MODEL_ID and rf.pairs is not None and rf.labels is not None
    summary = summarize_run(rf)
    assert summary["dataset"] == "data-40" and summary["entropy_lambda"] == 0.01
    # report_summary.json: the method and the naming database are separate keys
    scores = {(s["method"], s["motif_db"]): s for s in summary["scores"]}
    assert set(scores) == {("attn-raw", "jaspar"), ("attn-raw", "simulation")}, summary["scores"]
    assert scores[("attn-raw", "jaspar")]["precision"] == 0.5


def stage_implants(tmp_path: Path, run: Path) -> dict:
    """SATORI_IMPLANT's folders of one model as SATORI_REPORT stages them: run/implant/<configuration>_<method>/
    (the same file names side by side). The simulation-named one confirms nothing (every q 0.5)."""
    folders = {f"{MODEL_ID}_jaspar_raw": 1, f"{MODEL_ID}_jaspar_attr": 1, f"{MODEL_ID}_simulation_raw": 0}
    for folder, n_confirmed in folders.items():
        src = tmp_path / "implant_tasks" / folder
        make_implant(src)
        if not n_confirmed:
            table = pd.read_csv(src / formats.IMPLANT_TSV, sep="\t")
            table.assign(p=0.5, q=0.5).to_csv(src / formats.IMPLANT_TSV, sep="\t", index=False)
        link = run / "implant" / folder
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(src)
    return folders


def test_staged_implant_outputs_reach_the_implantation_section(tmp_path):
    """Each method's and database's implant.tsv, staged under run/implant/, is found, shown as its
    own table and curves (told apart by the folder name), and confirms the attention pairs of its
    own database only."""
    run = staged_benchmark_run(tmp_path)
    folders = stage_implants(tmp_path, run)
    rf = discover(run)
    assert sorted(p.parent.name for p in rf.implant_tables) == sorted(folders)
    assert sorted(p.parent.name for p in rf.implant_curves) == sorted(folders)
    out = tmp_path / "report"
    assert report_main(["--run", str(run), "--outdir", str(out), "--device", "cpu", "--threads", "1",
                        "--log-level", "WARNING"]) == 0
    html = html_mod.unescape((out / formats.REPORT_HTML).read_text())
    sec = html[html.index('<section id="implant">'):]
    sec = sec[:sec.index("</section>")]
    heads = re.findall(r"Implantation of the pairs of ([^<:]+): (\d+) pairs tested, (\d+) confirmed", sec)
    assert sorted(heads) == sorted([("Attn-Raw, named against JASPAR", "4", "1"), ("Attn-Attr, named against JASPAR", "4", "1"),
                                    ("Attn-Raw, named against the simulation's motifs", "4", "0")]), heads
    for folder in folders:  # one curve figure per folder, none overwriting another
        slug = re.sub(r"[^A-Za-z0-9]+", "_", f"implant/{folder}")
        curves = pd.read_csv(out / "figures" / f"implant_curves_{slug}.tsv", sep="\t")
        assert ("GATA1", "TAL1") in set(zip(curves["tf1"], curves["tf2"])), folder
    # the attention pairs named against JASPAR are confirmed by the JASPAR implantations only
    summary = json.loads((out / formats.REPORT_SUMMARY_JSON).read_text())
    assert summary["sections"]["implant"] == "ok", summary["sections"]
    tables = {}
    for db in ("JASPAR", "the simulation's motifs"):
        start = html.index(f"Top TF pairs (Attn-Raw, named against {db}")
        tables[db] = html[start:html.index("</table>", start)]
    assert tables["JASPAR"].count('class="confirmed"') == 1 and "confirmed (coop. 0.8)" in tables["JASPAR"]
    assert 'class="confirmed"' not in tables["the simulation's motifs"]


def test_real_data_run_tree_names_its_dataset(tmp_path):
    src = make_run(tmp_path / "src", steps=("train", "filter_motifs", "interpret_raw", "hippie"), entropy_lambda=0.0)
    run = tmp_path / "task" / "run"
    prep = run / "prepare_dhs" / "dhs-promoter"
    prep.mkdir(parents=True)
    (prep / formats.PARAMS_JSON).write_text(json.dumps({"mode": "promoter", "satori_version": "0.1.0"}))
    for link, target in {run / "train" / "dhs-promoter_lambda0": src / "train",
                         run / "filter_motifs" / "dhs-promoter_lambda0_jaspar": src / "filter_motifs",
                         run / "interpret_raw" / "dhs-promoter_lambda0_jaspar": src / "interpret_raw",
                         run / "hippie" / "dhs-promoter_lambda0_jaspar_raw": src / "hippie"}.items():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    rf = discover(run)
    assert rf.ppi_summaries and rf.ppi_matches
    summary = summarize_run(rf)
    assert summary["dataset"] == "dhs-promoter" and summary["entropy_lambda"] == 0.0


def test_index_links_reports_where_the_pipeline_publishes_them(tmp_path):
    """report/<configuration>/ linked next to report/index.html: the links are <configuration>/report.html."""
    task = tmp_path / "index_task"
    report = tmp_path / "report_task" / MODEL_ID
    report.mkdir(parents=True)
    (report / formats.REPORT_HTML).write_text("<html></html>")
    (report / formats.REPORT_SUMMARY_JSON).write_text(json.dumps({
        "dataset": "data-40", "entropy_lambda": 0.01, "auroc": 0.8, "report": formats.REPORT_HTML,
        "scores": [{"method": "raw", "db": "jaspar", "precision": 0.5, "recall": 1.0, "f1": 0.67}]}))
    (task / "reports").mkdir(parents=True)
    (task / "reports" / MODEL_ID).symlink_to(report)
    (task / "report").mkdir()
    (task / "report" / MODEL_ID).symlink_to(Path("..") / "reports" / MODEL_ID)
    cwd = os.getcwd()
    os.chdir(task)
    try:
        table = summary_table([Path("report") / MODEL_ID], Path("report"))
    finally:
        os.chdir(cwd)
    assert list(table["configuration"]) == [MODEL_ID]
    assert list(table["report"]) == [f"{MODEL_ID}/report.html"]
