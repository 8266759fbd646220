"""The real-data path of the pipeline, end to end, through the tools' command lines.

The steps the `test_real` profile runs (prepare-dhs → train → filter-motifs → interpret-raw
and interpret-attr (the default --methods raw,attr) → implant and hippie-lookup of each method's pairs →
report → report index), on the fixture shipped in assets/test_real, calling
the `bin/` wrappers as the Nextflow modules do and laying the files out as the modules stage
them (peaks as peaks/<n>/<file> with a samplesheet written next to them; each report's inputs
as run/<step>/<configuration>/; the report folders linked next to the index page). Then
MultiQC on the index page's custom content, when `multiqc` is on the PATH.

satori-filter-motifs and the interpreters come with another branch: until they are here,
the steps from training on are skipped (pytest.importorskip), the fixture and prepare-dhs
checks run. The whole chain takes well under a minute on a laptop CPU.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from satori import formats
from satori.data.labels import read_labels

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "assets" / "test_real"
CPU = ["--threads", "1", "--seed", "0"]
# The fixture's implanted TF pairs (satori.fixtures.DEFAULT_PAIRS): a small motif database for TomTom
FIXTURE_TFS = ["SP1", "NFYA", "CEBPB", "ATF4", "SOX2", "POU5F1", "MAX", "MYC"]


def run(tool, *args, cwd):
    """Run bin/<tool> like a pipeline task does; fail with its stderr."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bin" / tool), *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, MPLBACKEND="Agg"),
    )
    assert proc.returncode == 0, f"{tool} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


def expect(outdir: Path, *names):
    for name in names:
        assert (outdir / name).is_file(), f"{outdir.name}/{name} missing"
        assert (outdir / name).stat().st_size > 0, f"{outdir.name}/{name} is empty"


def stage(task: Path, target: Path, *sources: Path):
    """Link ``sources`` into ``task/target/`` under their own names (Nextflow's stageAs 'target/*')."""
    (task / target).mkdir(parents=True, exist_ok=True)
    for src in sources:
        (task / target / src.name).symlink_to(src)


def prepare_task(task: Path, samples, peaks, mode="promoter"):
    """SATORI_PREPARE_DHS as the module runs it: peaks staged as peaks/<n>/<name>, the
    samplesheet written next to them with paths relative to itself."""
    staged = []
    for i, bed in enumerate(peaks, start=1):
        (task / "peaks" / str(i)).mkdir(parents=True)
        (task / "peaks" / str(i) / bed.name).symlink_to(bed)
        staged.append(f"peaks/{i}/{bed.name}")
    (task / "genome.fa").symlink_to(FIXTURE / "genome.fa")
    (task / "genes.gtf").symlink_to(FIXTURE / "genes.gtf")
    (task / "samplesheet.csv").write_text("sample,bed\n" + "".join(f"{s},{b}\n" for s, b in zip(samples, staged)))
    run("satori-prepare-dhs", "--mode", mode, "--peaks", "samplesheet.csv", "--genome", "genome.fa", "--gtf", "genes.gtf",
        "--outdir", "dhs-promoter", *CPU, cwd=task)
    return task / "dhs-promoter"


def fixture_rows():
    lines = (FIXTURE / "samplesheet.csv").read_text().split()
    assert lines[0] == "sample,bed"
    return [line.split(",") for line in lines[1:]]


def test_committed_fixture_is_what_the_generator_writes(tmp_path):
    """assets/test_real is `python -m satori.fixtures --outdir assets/test_real --seed 0`, byte for byte."""
    proc = subprocess.run([sys.executable, "-m", "satori.fixtures", "--outdir", str(tmp_path / "fx"), "--seed", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    assert proc.returncode == 0, proc.stderr
    made = sorted(p.relative_to(tmp_path / "fx") for p in (tmp_path / "fx").rglob("*") if p.is_file())
    # (a genome.fa.fai left by running satori-prepare-dhs on the fixture by hand is git-ignored)
    shipped = sorted(p.relative_to(FIXTURE) for p in FIXTURE.rglob("*") if p.is_file() and p.suffix != ".fai")
    assert made == shipped, "assets/test_real differs from the generator's file list"
    for rel in made:
        assert (tmp_path / "fx" / rel).read_bytes() == (FIXTURE / rel).read_bytes(), (
            f"assets/test_real/{rel} differs from the generator's: regenerate with "
            "`python -m satori.fixtures --outdir assets/test_real --seed 0`")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """SATORI_PREPARE_DHS on the fixture, with samples 1 and 2 given as files of the same name
    (lab1/peaks.bed, lab2/peaks.bed): the module stages them apart (peaks/<n>/<name>)."""
    root = tmp_path_factory.mktemp("prepare")
    rows = fixture_rows()
    peaks = []
    for i, (_, bed) in enumerate(rows):
        if i < 2:
            (root / f"lab{i + 1}").mkdir()
            peaks.append(Path(shutil.copy(FIXTURE / bed, root / f"lab{i + 1}" / "peaks.bed")))
        else:
            peaks.append(FIXTURE / bed)
    task = root / "task"
    task.mkdir()
    return prepare_task(task, [s for s, _ in rows], peaks)


def test_prepare_dhs_as_the_module_stages_it(prepared):
    """One label per sample in sheet order, the chromosome split, and samples whose peak files
    share a name kept apart (the same labels as the fixture's own samplesheet gives)."""
    rows = fixture_rows()
    expect(prepared, formats.SEQUENCES_FA, formats.LABELS_TSV, formats.REGIONS_BED, formats.SUMMARY_JSON,
           formats.PARAMS_JSON)
    labels = read_labels(prepared / formats.LABELS_TSV)
    assert list(labels.columns[2:]) == [s for s, _ in rows]
    assert set(labels["split"]) == {"train", "valid", "test"}
    assert not labels["sample1"].equals(labels["sample2"])
    from satori.data.prepare import load_peaks

    def per_sample(peakset):
        iv = peakset.intervals
        return [sorted(map(tuple, iv.iloc[peakset.hit_peak[peakset.hit_sample == k]][["chrom", "start", "end"]].values.tolist()))
                for k in range(len(peakset.samples))]

    staged = load_peaks(str(prepared.parent / "samplesheet.csv"))  # the sheet the module wrote
    direct = load_peaks(str(FIXTURE / "samplesheet.csv"))  # the fixture's own sheet
    assert list(staged.samples) == list(direct.samples) == [s for s, _ in rows]
    assert per_sample(staged) == per_sample(direct)
    summary = json.loads((prepared / formats.SUMMARY_JSON).read_text())
    assert summary["positives_per_label"] == {s: int(labels[s].sum()) for s, _ in rows}


def test_real_data_chain(tmp_path, prepared):
    for module in ("filter_motifs", "interpret_raw", "interpret_attr"):
        pytest.importorskip(f"satori.cli.{module}", reason=f"satori.cli.{module} is not on this branch yet; this test runs after the merge")
    from satori.motifs.io import write_meme
    from satori.motifs.jaspar import load_jaspar

    rows = fixture_rows()
    prep = prepared  # SATORI_PREPARE_DHS

    # SATORI_TRAIN: multi-label (4 samples), 1 epoch, tiny
    model_id = "dhs-promoter_lambda0.01"
    run("satori-train", "--fasta", prep / formats.SEQUENCES_FA, "--labels", prep / formats.LABELS_TSV, "--outdir", model_id,
        "--entropy-lambda", 0.01, "--max-epochs", 1, "--patience", 1, "--batch-size", 16, "--n-filters", 8,
        "--n-heads", 2, "--head-dim", 8, "--linear-units", 16, "--device", "cpu", *CPU, cwd=tmp_path)
    model = tmp_path / model_id
    expect(model, formats.MODEL_PT, formats.CONFIG_JSON, formats.HISTORY_TSV, formats.METRICS_JSON, formats.PARAMS_JSON)
    assert json.loads((model / formats.CONFIG_JSON).read_text())["n_labels"] == len(rows)

    # SATORI_FILTER_MOTIFS against a tiny motif database (the fixture's TFs from the bundled JASPAR)
    seen, motifs = set(), []
    for m in load_jaspar():
        if m.name.upper() in FIXTURE_TFS and m.name.upper() not in seen:
            seen.add(m.name.upper())
            motifs.append(m)
    assert len(motifs) >= 4
    write_meme(tmp_path / "tiny.meme", motifs)
    config = f"{model_id}_motif_db"
    run("satori-filter-motifs", "--model", model, "--fasta", prep / formats.SEQUENCES_FA, "--labels", prep / formats.LABELS_TSV,
        "--motif-db", "tiny.meme", "--outdir", f"filter/{config}", "--device", "cpu", *CPU, cwd=tmp_path)
    filt = tmp_path / "filter" / config
    expect(filt, formats.FILTERS_MEME, formats.FILTER_MOTIFS_TSV, formats.PARAMS_JSON)

    # SATORI_INTERPRET_RAW with the shuffled background (multi-label data has no negatives)
    run("satori-interpret-raw", "--model", model, "--fasta", prep / formats.SEQUENCES_FA, "--labels", prep / formats.LABELS_TSV,
        "--filter-motifs", filt / formats.FILTER_MOTIFS_TSV, "--outdir", f"interpret/{config}", "--background", "shuffle",
        "--max-seqs", 200, "--device", "cpu", *CPU, cwd=tmp_path)
    raw = tmp_path / "interpret" / config
    assert (raw / formats.TF_INTERACTIONS_TSV).is_file() and (raw / formats.INTERACTIONS_TSV).is_file()

    # SATORI_INTERPRET_ATTR (--methods raw,attr, the default), in its own folder <configuration>_attr
    run("satori-interpret-attr", "--model", model, "--fasta", prep / formats.SEQUENCES_FA, "--labels", prep / formats.LABELS_TSV,
        "--filter-motifs", filt / formats.FILTER_MOTIFS_TSV, "--outdir", f"interpret_attr/{config}_attr", "--background", "shuffle",
        "--max-seqs", 50, "--steps", 4, "--device", "cpu", *CPU, cwd=tmp_path)
    attr = tmp_path / "interpret_attr" / f"{config}_attr"
    assert (attr / formats.TF_INTERACTIONS_TSV).is_file() and (attr / formats.INTERACTIONS_TSV).is_file()

    # SATORI_HIPPIE_LOOKUP on each method's TF pairs
    hippies = []
    for method, interp in (("raw", raw), ("attr", attr)):
        run("satori-hippie-lookup", "--interactions", interp / formats.TF_INTERACTIONS_TSV, "--ppi", FIXTURE / "hippie.mitab.txt",
            "--outdir", f"hippie/{config}_{method}", "--n-permutations", 20, "--seed", "0", cwd=tmp_path)
        hippie = tmp_path / "hippie" / f"{config}_{method}"
        expect(hippie, formats.PPI_SUMMARY_JSON, formats.PARAMS_JSON)
        assert (hippie / formats.PPI_MATCHES_TSV).is_file()
        hippies.append(hippie)

    # SATORI_IMPLANT on each method's TF pairs (the module's options under the test_real profile:
    # --n-backgrounds 8, as the fixture's test split has about 19 positives), in <configuration>_<method>
    implants = []
    for method, interp in (("raw", raw), ("attr", attr)):
        out = f"implant/{config}_{method}"
        run("satori-implant", "--model", model, "--fasta", prep / formats.SEQUENCES_FA, "--labels", prep / formats.LABELS_TSV,
            "--filter-motifs", filt / formats.FILTER_MOTIFS_TSV, "--interactions", interp / formats.TF_INTERACTIONS_TSV,
            "--outdir", out, "--n-backgrounds", 8, "--n-boot", 50, "--n-perm", 50, "--device", "cpu", *CPU, cwd=tmp_path)
        expect(tmp_path / out, formats.PARAMS_JSON)
        assert (tmp_path / out / formats.IMPLANT_TSV).is_file() and (tmp_path / out / formats.IMPLANT_CURVES_TSV).is_file()
        implants.append(tmp_path / out)

    # SATORI_REPORT: the run tree as the module stages it
    task = tmp_path / "report_task"
    stage(task, Path("run/prepare_dhs"), prep)
    stage(task, Path("run/train"), model)
    stage(task, Path("run/filter_motifs"), filt)
    stage(task, Path("run/interpret_raw"), raw)
    stage(task, Path("run/interpret_attr"), attr)
    stage(task, Path("run/hippie"), *hippies)
    stage(task, Path("run/implant"), *implants)
    run("satori-report", "--run", "run", "--outdir", model_id, "--title", f"satori report: {model_id}", "--max-seqs", 1,
        "--max-filters", 2,
        "--device", "cpu", *CPU, cwd=task)
    report = task / model_id
    expect(report, formats.REPORT_HTML, formats.REPORT_SUMMARY_JSON, formats.PARAMS_JSON)
    summary = json.loads((report / formats.REPORT_SUMMARY_JSON).read_text())
    assert summary["dataset"] == "dhs-promoter"  # from prepare_dhs/<...>/params.json (mode)
    assert summary["entropy_lambda"] == pytest.approx(0.01)
    assert summary["sections"]["known"] != "missing", summary["sections"]  # hippie results found
    assert summary["sections"]["implant"] not in ("missing", "notrun"), summary["sections"]  # implant results found
    assert summary["sections"]["training"] != "missing" and summary["sections"]["filters"] != "missing"
    html = (report / formats.REPORT_HTML).read_text()
    assert "Attn-Attr" in html and "Methods not run: Attn-Attr" not in html  # attr's pairs reach the report
    assert f"{config}_attr/{formats.PPI_SUMMARY_JSON}" in html  # and its known interactions
    for method in ("Attn-Raw", "Attn-Attr"):  # each method's implantation, told apart by its folder <configuration>_<method>
        assert f"Implantation of the pairs of {method}, named against {config}: " in html, method

    # SATORI_REPORT_INDEX: report folders linked next to the page, which links to them
    index_task = tmp_path / "index_task"
    stage(index_task, Path("reports"), report)
    (index_task / "report").mkdir()
    (index_task / "report" / model_id).symlink_to(Path("..") / "reports" / model_id)
    run("satori-report", "--index", f"report/{model_id}", "--outdir", "report", *CPU, cwd=index_task)
    out = index_task / "report"
    expect(out, formats.INDEX_HTML, "index_summary.tsv", "satori_summary_mqc.tsv", formats.PARAMS_JSON)
    assert f'href="{model_id}/report.html"' in (out / formats.INDEX_HTML).read_text()
    table = pd.read_csv(out / "index_summary.tsv", sep="\t")
    assert list(table["configuration"]) == [model_id] and table.loc[0, "dataset"] == "dhs-promoter"
    multiqc(tmp_path, out)


def multiqc(tmp_path: Path, index_dir: Path):
    """MultiQC on what the pipeline gives it (run summary, versions, satori's custom content)."""
    exe = shutil.which("multiqc")
    if exe is None:
        return  # the chain above is the point of this test; MultiQC runs in its own container
    task = tmp_path / "multiqc_task"
    task.mkdir()
    files = [index_dir / "satori_summary_mqc.tsv", *sorted(index_dir.glob("satori_*_mqc.png"))]
    (task / "satori_software_mqc_versions.yml").write_text(
        "SATORI_REPORT:\n  satori: 0.1.0\nWorkflow:\n  satori: v0.1.0\n  Nextflow: 25.10.4\n")
    (task / "workflow_summary_mqc.yaml").write_text(
        "id: 'satori-summary'\ndescription: ' - this information is collected when the pipeline is started.'\n"
        "section_name: 'satori Workflow Summary'\nplot_type: 'html'\ndata: |\n    <dl class=\"dl-horizontal\">\n"
        "        <dt>input</dt><dd><samp>samplesheet.csv</samp></dd>\n    </dl>\n")
    for i, f in enumerate(files, start=1):
        (task / str(i)).mkdir()
        (task / str(i) / f.name).symlink_to(f)
    proc = subprocess.run([exe, "--force", "--config", str(ROOT / "assets" / "multiqc_config.yml"), "."],
                          cwd=task, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (task / "multiqc_report.html").read_text()
    assert "SATORI summary" in html or "satori_summary" in html
    assert "satori Workflow Summary" in html
