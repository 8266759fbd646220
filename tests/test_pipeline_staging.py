"""Each module's command line as a task runs it: staged names, rendered script, the real parser.

For every process, with inputs shaped as the subworkflows send them, these tests build the
task directory Nextflow would (each input linked under its stage name, tests/nf_model.py's
port of Nextflow's stageAs rule), render the module's ``script:`` section with the staged
paths as the script sees them (a staged input's ``.name`` is its stage alias, folder
included), run the rendered script with bash in that directory, with the ``satori-*`` tools
and ``multiqc`` replaced by stubs that record their arguments, and then check:

- the script's own shell lines (``mkdir``, ``ln -s``, ``printf``) succeed;
- the tool is called once, and its real argparse parser accepts the arguments;
- every argument that names a path in the task directory names one that exists there (what
  ``satori-report --index report/reports/x: directory not found`` broke), and the files a
  samplesheet or manifest names exist relative to it;
- every declared output lies in the tool's ``--outdir``.

``task.ext.args`` and ``task.ext.prefix`` are the conf/modules.config closures evaluated with
the test profile's parameters. Seconds; no tool runs.
"""

import csv
import os
import re
import subprocess
from pathlib import Path

import pytest

from nf_model import RelPath, Src, StagedList, evaluate, parse_inputs, render, stage_names, staged_value
from test_pipeline_static import PROCESSES, ROOT, block_after, code, console_scripts, ext_args_blocks, params_block, tool_parser

BY_NAME = {p.name: p for p in PROCESSES}
D = lambda name, *files: Src(name, True, tuple(files))  # noqa: E731  a folder from an upstream task
F = Src  # a file from an upstream task

MODEL = "data-40_lambda0.01"  # ids hold dots: .baseName would cut them
CONFIG = f"{MODEL}_jaspar"


def model_dir(name=MODEL):
    return D(name, "model.pt", "config.json", "metrics.json")


def interpret_inputs():
    return dict(model=model_dir(), fasta=F("sequences.fa.gz"), labels=F("labels.tsv"), filter_motifs=F("filter_motifs.tsv"))


# One or more input sets per process, shaped as the subworkflows send them: (label, meta, inputs)
EXAMPLES = {
    "SATORI_SIMULATE": [("preset", {"id": "data-40", "preset": "data-40", "dataset": "data-40"}, dict(motif_db=[]))],
    "SATORI_PREPARE_DHS": [
        # two samples whose peak files share a name (peaks/*/* keeps them apart)
        ("promoter", {"id": "dhs-promoter", "dataset": "dhs-promoter", "mode": "promoter"},
         dict(samples=["K562", "HepG2"], peaks=[F("peaks.bed"), F("peaks.bed")], genome=F("genome.fa"),
              gtf=F("genes.gtf"), tss=[])),
        ("enhancer", {"id": "dhs-enhancer", "dataset": "dhs-enhancer", "mode": "enhancer"},
         dict(samples=["enh"], peaks=[F("enhancers.bed")], genome=F("genome.fa.gz"), gtf=F("genes.gtf"), tss=[])),
    ],
    "SATORI_TRAIN": [("lambda", {"id": MODEL, "dataset": "data-40", "entropy_lambda": "0.01"},
                      dict(fasta=F("sequences.fa.gz"), labels=F("labels.tsv")))],
    "SATORI_FILTER_MOTIFS": [
        ("jaspar", {"id": CONFIG, "model_id": MODEL, "db": "jaspar"},
         dict(model=model_dir(), fasta=F("sequences.fa.gz"), labels=F("labels.tsv"), motif_db=[])),
        ("simulation", {"id": f"{MODEL}_simulation", "model_id": MODEL, "db": "simulation"},
         dict(model=model_dir(), fasta=F("sequences.fa.gz"), labels=F("labels.tsv"), motif_db=F("motifs.meme"))),
    ],
    "SATORI_INTERPRET_RAW": [("benchmark", {"id": CONFIG, "model_id": MODEL, "db": "jaspar"}, interpret_inputs()),
                             ("real", {"id": CONFIG, "model_id": MODEL, "db": "jaspar", "background": "shuffle"}, interpret_inputs())],
    "SATORI_INTERPRET_ATTR": [("real", {"id": CONFIG, "model_id": MODEL, "db": "jaspar", "background": "shuffle"}, interpret_inputs())],
    "SATORI_DFIM": [("real", {"id": CONFIG, "model_id": MODEL, "db": "jaspar", "background": "shuffle"}, interpret_inputs())],
    "SATORI_IMPLANT": [
        ("jaspar", {"id": f"{CONFIG}_raw", "model_id": MODEL, "db": "jaspar", "method": "raw"},
         dict(model=model_dir(), fasta=F("sequences.fa.gz"), labels=F("labels.tsv"),
              filter_motifs=D(CONFIG, "filter_motifs.tsv", "params.json"), tf_interactions=F("tf_interactions.tsv"),
              motif_db=[])),
        ("simulation", {"id": f"{MODEL}_simulation_attr", "model_id": MODEL, "db": "simulation", "method": "attr"},
         dict(model=model_dir(), fasta=F("sequences.fa.gz"), labels=F("labels.tsv"),
              filter_motifs=D(f"{MODEL}_simulation", "filter_motifs.tsv", "params.json"),
              tf_interactions=F("tf_interactions.tsv"), motif_db=F("motifs.meme"))),
        ("real", {"id": "dhs-promoter_lambda0_jaspar_dfim", "model_id": "dhs-promoter_lambda0", "db": "jaspar",
                  "background": "shuffle", "method": "dfim"},
         dict(model=model_dir("dhs-promoter_lambda0"), fasta=F("sequences.fa.gz"), labels=F("labels.tsv"),
              filter_motifs=D("dhs-promoter_lambda0_jaspar", "filter_motifs.tsv", "params.json"),
              tf_interactions=F("tf_interactions.tsv"), motif_db=[])),
    ],
    "SATORI_EVALUATE": [("raw", {"id": f"{CONFIG}_raw", "model_id": MODEL, "db": "jaspar", "method": "raw"},
                         dict(tf_interactions=F("tf_interactions.tsv"), cluster_interactions=F("cluster_interactions.tsv"),
                              truth=F("pairs.tsv")))],
    "SATORI_HIPPIE_LOOKUP": [
        ("no-map", {"id": f"{CONFIG}_attr", "model_id": MODEL, "method": "attr"},
         dict(tf_interactions=F("tf_interactions.tsv"), ppi=F("hippie.mitab.txt"), name_map=[])),
        ("map", {"id": f"{CONFIG}_raw", "model_id": MODEL, "method": "raw"},
         dict(tf_interactions=F("tf_interactions.tsv"), ppi=F("hippie.mitab.txt"), name_map=F("names.tsv"))),
    ],
    "SATORI_REPORT": [
        ("benchmark", {"id": MODEL, "dataset": "data-40", "entropy_lambda": "0.01"},
         dict(simulate=D("data-40", "pairs.tsv"), prepare_dhs=[], model=model_dir(),
              filter_motifs=[D(CONFIG), D(f"{MODEL}_simulation")], interpret_raw=[D(CONFIG), D(f"{MODEL}_simulation")],
              interpret_attr=[], dfim=[], evaluate=[D(f"{CONFIG}_raw"), D(f"{CONFIG}_attr")], hippie=[],
              # one folder per database and method: the same file names side by side without clashing
              implant=[D(f"{CONFIG}_raw", "implant.tsv", "implant_curves.tsv"),
                       D(f"{CONFIG}_attr", "implant.tsv", "implant_curves.tsv"),
                       D(f"{MODEL}_simulation_raw", "implant.tsv", "implant_curves.tsv")])),
        ("real", {"id": "dhs-promoter_lambda0", "dataset": "dhs-promoter", "entropy_lambda": "0"},
         dict(simulate=[], prepare_dhs=D("dhs-promoter", "params.json"), model=model_dir("dhs-promoter_lambda0"),
              filter_motifs=[D("dhs-promoter_lambda0_jaspar")], interpret_raw=[D("dhs-promoter_lambda0_jaspar")],
              interpret_attr=[D("dhs-promoter_lambda0_jaspar_attr")], dfim=[D("dhs-promoter_lambda0_jaspar_dfim")],
              evaluate=[], hippie=[D("dhs-promoter_lambda0_jaspar_raw"), D("dhs-promoter_lambda0_jaspar_attr")],
              implant=[D("dhs-promoter_lambda0_jaspar_raw", "implant.tsv"), D("dhs-promoter_lambda0_jaspar_attr", "implant.tsv")])),
    ],
    "SATORI_REPORT_INDEX": [
        ("one", {"id": "report"}, dict(reports=[D("data-40_lambda0", "report_summary.json")])),
        ("two", {"id": "report"}, dict(reports=[D("data-40_lambda0", "report_summary.json"),
                                                D(MODEL, "report_summary.json")])),
    ],
    "SATORI_SUMMARIZE": [
        ("grid", {"id": "summary"},
         dict(manifest="MANIFEST", evaluations=[D(f"{CONFIG}_raw", "evaluation.json"), D(f"{CONFIG}_attr", "evaluation.json")],
              models=[D(MODEL, "metrics.json")])),
    ],
    "MULTIQC": [
        ("no-logo", {"id": "satori"},
         dict(multiqc_files=[F("satori_auc_mqc.png"), F("satori_software_mqc_versions.yml"), F("satori_summary_mqc.tsv"),
                             F("workflow_summary_mqc.yaml")],
              multiqc_config=F("multiqc_config.yml"), multiqc_logo=[])),
        ("logo", {"id": "satori"},
         dict(multiqc_files=[F("satori_summary_mqc.tsv")], multiqc_config=F("multiqc_config.yml"), multiqc_logo=F("logo.png"))),
    ],
}

CASES = [(name, label) for name in sorted(EXAMPLES) for label, _, _ in EXAMPLES[name]]


def test_every_process_has_an_example():
    assert set(EXAMPLES) == set(BY_NAME)
    for name, examples in EXAMPLES.items():
        declared = [i.name for i in parse_inputs(BY_NAME[name].sections["input"])]
        for label, _meta, inputs in examples:
            assert declared == ["meta"] + list(inputs), f"{name} ({label}): example inputs {list(inputs)} vs {declared}"


# --- the staging rule itself, on the cases Nextflow's documentation and source spell out -------

@pytest.mark.parametrize("pattern, names, expected", [
    (None, ["a.txt"], ["a.txt"]),
    ("*", ["a.txt", "b.txt"], ["a.txt", "b.txt"]),
    ("reports/*", ["x", "y.z"], ["reports/x", "reports/y.z"]),
    ("peaks/*/*", ["a.bed", "a.bed"], ["peaks/1/a.bed", "peaks/2/a.bed"]),
    ("peaks/*/*", ["a.bed"], ["peaks/1/a.bed"]),
    ("?/*", ["a", "b"], ["1/a", "2/b"]),
    ("seq*.fa", ["x.fa"], ["seq.fa"]),
    ("seq*.fa", ["x.fa", "y.fa"], ["seq1.fa", "seq2.fa"]),
    ("seq??.fa", ["x.fa"], ["seq01.fa"]),
    ("data.txt", ["x", "y"], ["data.txt1", "data.txt2"]),
])
def test_stage_names(pattern, names, expected):
    assert stage_names(pattern, names) == expected


def test_a_staged_name_keeps_its_folder():
    """TaskPath: .name and toString are the alias; .baseName cuts the whole alias at its last dot."""
    from nf_model import Input

    staged = staged_value(Input("path", "reports", "reports/*", "1..*"), [D(MODEL)])
    assert isinstance(staged, StagedList)
    env = {"reports": staged}
    assert evaluate("reports.collect { r -> r.name }", env) == [f"reports/{MODEL}"]
    assert evaluate("reports.collect { r -> r.baseName }", env) == ["reports/data-40_lambda0"]
    assert evaluate("reports.collect { r -> r.name.tokenize('/')[-1] }", env) == [MODEL]
    assert evaluate('"x ${reports} y"', env) == f"x reports/{MODEL} y"
    assert evaluate("reports[0].fileName.name", env) == MODEL  # a plain Path's name is its last component
    empty = staged_value(Input("path", "tss"), [])
    assert evaluate('"[${tss}]"', {"tss": empty}) == "[]" and evaluate("tss ? 'y' : 'n'", {"tss": empty}) == "n"


# --- building and running a task ----------------------------------------------------------------

def test_profile_params() -> dict:
    out = dict(params_block(code(ROOT / "nextflow.config")))
    out.update(params_block(code(ROOT / "conf" / "test.config")))
    return {k: (None if not isinstance(v, (str, int, float, bool)) else v) for k, v in out.items()}


test_profile_params.__test__ = False  # a helper, not a test


def ext_closure(name: str, key: str):
    """The conf/modules.config ``ext.<key> = { ... }`` closure body of process ``name``, or None."""
    block = ext_args_blocks().get(name, "")
    m = re.search(r"ext\." + key + r"\s*=\s*\{", block)
    return block_after(block, m.start()) if m else None


def manifest_text(sources) -> str:
    """runs.tsv as SIMULATED_BENCHMARK writes it: its GStrings evaluated with each task folder's path."""
    text = code(ROOT / "subworkflows" / "local" / "simulated_benchmark" / "main.nf")
    header = re.findall(r"'([^']+)'", re.search(r"def manifest_header = \[([^\]]+)\]", text).group(1))
    evaluation = re.search(r'"[^"]*\$\{evaluation_dir\.name\}[^"]*"', text).group(0)
    metrics = re.search(r'"[^"]*\$\{model_dir\.name\}[^"]*"', text).group(0)
    model = sources["models"][0]
    rows = ["\t".join(header)]
    for ev in sources["evaluations"]:
        env = {"evaluation_dir": RelPath(f"/work/ab/cdef01/{ev.name}"), "model_dir": RelPath(f"/work/12/345678/{model.name}")}
        values = {"id": ev.name, "dataset": "data-40", "entropy_lambda": "0.01", "db": "jaspar", "method": ev.name.rsplit("_", 1)[-1],
                  "evaluation": evaluate(evaluation, env), "metrics": evaluate(metrics, env)}
        rows.append("\t".join(values[c] for c in header))
    return "\n".join(rows) + "\n"


def make_task(tmp_path: Path, name: str, meta: dict, inputs: dict):
    """The task directory with every input staged, and the script's variables."""
    proc = BY_NAME[name]
    work, store = tmp_path / "work", tmp_path / "upstream"
    work.mkdir()
    env = {"meta": meta}
    aliases = []
    for inp in parse_inputs(proc.sections["input"])[1:]:
        value = inputs[inp.name]
        if inp.kind == "val":
            env[inp.name] = value
            continue
        if value == "MANIFEST":
            value = F("runs.tsv")
        env[inp.name] = staged = staged_value(inp, value)
        sources = value if isinstance(value, list) else [value]
        for k, (src, alias) in enumerate(zip(sources, [str(s) for s in (staged if isinstance(staged, list) else [staged])])):
            real = store / inp.name / str(k) / src.name  # each upstream task has its own folder
            real.parent.mkdir(parents=True)
            if src.is_dir:
                real.mkdir()
                for f in src.files:
                    (real / f).write_text("x")
            elif src.name == "runs.tsv":
                real.write_text(manifest_text(inputs))
            else:
                real.write_text("x")
            link = work / alias
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(real)
            aliases.append(alias)
    assert len(aliases) == len(set(aliases)), f"{name}: input file name collision {aliases}"  # Nextflow stops on it
    ext = {"args": None, "prefix": None, "when": None}
    for key in ("args", "prefix"):
        body = ext_closure(name, key)
        if body is not None:
            ext[key] = evaluate(body, {"meta": meta, "params": test_profile_params()})
    env["task"] = {"ext": ext, "cpus": 2, "process": f"SATORI:{name}", "memory": "6 GB"}
    env["params"] = test_profile_params()
    return proc, work, env


def run_task(tmp_path: Path, work: Path, script: str):
    """Run the rendered script with bash (as Nextflow does, -eu and pipefail); the tools' argv."""
    fake_bin, argv_dir = tmp_path / "bin", tmp_path / "argv"
    fake_bin.mkdir()
    argv_dir.mkdir()
    for tool in list(console_scripts()) + ["multiqc"]:
        stub = fake_bin / tool
        stub.write_text('#!/bin/sh\nprintf \'%s\\0\' "$@" > "$NF_MODEL_ARGV/$(basename "$0").$$"\n')
        stub.chmod(0o755)
    (work / ".command.sh").write_text(script)
    proc = subprocess.run(["bash", "-eu", "-o", "pipefail", ".command.sh"], cwd=work, capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, PATH=f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
                                               NF_MODEL_ARGV=str(argv_dir)))
    assert proc.returncode == 0, f"the rendered script failed:\n{script}\n{proc.stderr}"
    calls = sorted(argv_dir.iterdir())
    return [(p.name.split(".")[0], p.read_bytes().decode().split("\0")[:-1]) for p in calls]


def names_a_task_path(value: str, work: Path) -> bool:
    """Whether an argument names a path in the task directory (and so must exist)."""
    if not isinstance(value, str) or not value or value.startswith("/") or "://" in value:
        return False
    return "/" in value or (work / value.split("/")[0]).exists() or (work / value.split("/")[0]).is_symlink()


def check_sheet_paths(path: Path, column: str, label: str):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t" if path.suffix == ".tsv" else ","))
    assert rows, f"{label}: {path.name} has no rows"
    for row in rows:
        assert (path.parent / row[column]).exists(), f"{label}: {path.name} names {row[column]}, not in the task directory"


@pytest.mark.parametrize("name, label", CASES, ids=[f"{n}-{lab}" for n, lab in CASES])
def test_module_command_runs_in_its_task_directory(tmp_path, name, label):
    meta, inputs = next((m, i) for lab, m, i in EXAMPLES[name] if lab == label)
    proc, work, env = make_task(tmp_path, name, meta, inputs)
    script = render(proc.sections["script"], env)
    calls = run_task(tmp_path, work, script)
    tools = proc.tools or ["multiqc"]
    assert [tool for tool, _ in calls] == tools, f"{name}: expected one call of {tools}, got {calls}"
    tool, argv = calls[0]
    where = f"{name} ({label}): {tool} {' '.join(argv)}"

    if tool == "multiqc":
        config = argv[argv.index("--config") + 1]
        assert (work / config).is_file(), f"{where}: --config {config} not in the task directory"
        assert argv[-1] == "."
        logo = re.search(r'custom_logo: "([^"]+)"', " ".join(argv))
        assert bool(logo) == bool(inputs["multiqc_logo"]), where
        if logo:
            assert (work / logo.group(1)).is_file(), f"{where}: the logo {logo.group(1)} is not in the task directory"
        return

    parser = tool_parser(tool)
    try:
        opts = parser.parse_args(argv)
    except SystemExit:
        pytest.fail(f"{where}: the tool's parser rejects these arguments")
    outdir = opts.outdir
    for action in parser._actions:
        if action.dest in ("outdir", "help", "version"):
            continue
        values = getattr(opts, action.dest, None)
        for value in values if isinstance(values, list) else [values]:
            if names_a_task_path(value, work):
                assert (work / value).exists(), f"{where}: {action.option_strings[0]} {value}: not in the task directory"
    if getattr(opts, "peaks", None) and opts.peaks.endswith(".csv"):
        check_sheet_paths(work / opts.peaks, "bed", where)
    if getattr(opts, "manifest", None):
        from satori import formats

        check_sheet_paths(work / opts.manifest, formats.RUNS_EVALUATION, where)
        check_sheet_paths(work / opts.manifest, formats.RUNS_METRICS, where)

    # every declared output is written by the tool: it lies in --outdir
    assert outdir, f"{where}: no --outdir"
    for pattern in re.findall(r'path\(("[^"]*")\)', proc.sections["output"]):
        out = evaluate(pattern, env)
        assert out == outdir or out.startswith(f"{outdir}/"), f"{where}: output {out} is not under --outdir {outdir}"


NAME_PROPS = r"\.(name|baseName|simpleName|extension|fileName|getName\(\)|getBaseName\(\)|getSimpleName\(\)|getFileName\(\))"


@pytest.mark.parametrize("proc", PROCESSES, ids=[p.name for p in PROCESSES])
def test_names_of_folder_staged_inputs(proc):
    """Every `.name`/`.baseName`/... of an input staged into a folder (stageAs 'dir/*'), in the
    script and the stub, directly, indexed or through a closure over the list: its name is the
    alias with the folder, so only `.name.tokenize('/')` (the last component) is allowed, and
    `.baseName`/`.simpleName` (cut at a dot of the whole alias) never."""
    text = proc.sections["script"] + proc.sections["stub"]
    for inp in parse_inputs(proc.sections["input"]):
        if inp.kind != "path" or not inp.stage_as or "/" not in inp.stage_as:
            continue
        refs = [re.escape(inp.name) + r"(?:\[[^\]]+\])?"]
        refs += [re.escape(m.group(1)) for m in re.finditer(
            r"\b" + re.escape(inp.name) + r"\.(?:collect|each|findAll|collectEntries|eachWithIndex)\s*\{\s*(\w+)\s*(?:,\s*\w+\s*)?->", text)]
        for ref in refs:
            for m in re.finditer(r"\b" + ref + NAME_PROPS + r"(\.tokenize\('/'\))?", text):
                assert m.group(1) == "name" and m.group(2), (
                    f"{proc.name}: `{m.group(0)}` on {inp.name} (stageAs '{inp.stage_as}'): a staged name is its alias, "
                    f"folder included; take `.name.tokenize('/')[-1]` for the last component")
