"""Static checks of the Nextflow pipeline (no Nextflow needed).

What can go wrong between the pipeline and the tools without running either: a module
passing a flag its tool does not accept, a parameter used in code but missing from the
schema (or with another default), a process without label/stub/container/versions, an
include pointing nowhere, a config selector naming no process, a schema that nf-schema
cannot read. Each test reads the files as text and checks one of these.

Tools that are not on this branch yet are skipped with the reason (pytest.importorskip);
once every branch is merged these tests must run and pass.
"""

import dataclasses
import fnmatch
import importlib
import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "modules" / "local").rglob("main.nf"))
NF_FILES = [ROOT / "main.nf"] + sorted((ROOT / "workflows").rglob("*.nf")) + sorted((ROOT / "subworkflows").rglob("*.nf")) + MODULES
CONFIG_FILES = [ROOT / "nextflow.config"] + sorted((ROOT / "conf").glob("*.config"))

REQUIRED_NEXTFLOW_VERSION = "!>=25.10.4"
REQUIRED_NF_SCHEMA = "nf-schema@2.7.3"
RESOURCE_LABELS = {"process_single", "process_low", "process_medium", "process_high"}
# Steps that run a model with gradients over many sequences: they ask for a GPU.
GPU_STEPS = {"SATORI_TRAIN", "SATORI_INTERPRET_ATTR", "SATORI_DFIM", "SATORI_IMPLANT"}
DYNAMIC = object()  # a config default that is an expression, not a literal


# --- reading Nextflow/Groovy text -------------------------------------------------------

def strip_comments(text: str) -> str:
    """Remove // and /* */ comments, leaving strings (which may contain '//') intact."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith('"""', i) or text.startswith("'''", i):
            end = text.find(text[i:i + 3], i + 3)
            end = n if end < 0 else end + 3
            out.append(text[i:end])
            i = end
        elif text[i] in "\"'":
            j = i + 1
            while j < n and text[j] != text[i] and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * text.count("\n", i, end))
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def block_after(text: str, start: int) -> str:
    """The text inside the braces whose '{' is the first one at or after ``start``."""
    i = text.index("{", start)
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if text.startswith('"""', j) or text.startswith("'''", j):
            j = text.index(text[j:j + 3], j + 3) + 3
            continue
        if c in "\"'":
            k = j + 1
            while text[k] != c:
                k += 2 if text[k] == "\\" else 1
            j = k + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j]
        j += 1
    raise ValueError("unbalanced braces")


@lru_cache(maxsize=None)
def code(path: Path) -> str:
    return strip_comments(path.read_text(encoding="utf-8"))


def literal(value: str):
    """A Groovy literal as a Python value; DYNAMIC for anything else."""
    value = value.strip()
    if value == "null":
        return None
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d*([eE][-+]?\d+)?", value):
        return float(value)
    m = re.fullmatch(r"'([^'\\]*)'", value) or re.fullmatch(r'"([^"\\$]*)"', value)
    return m.group(1) if m else DYNAMIC


def params_block(text: str) -> dict:
    """``name = value`` assignments of the top-level ``params { }`` block of a config."""
    m = re.search(r"^params\s*\{", text, re.M)
    if not m:
        return {}
    out = {}
    for line in block_after(text, m.start()).splitlines():
        a = re.match(r"^\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*$", line)
        if a:
            out[a.group(1)] = literal(a.group(2))
    return out


# --- processes ----------------------------------------------------------------------------

SECTION_RE = re.compile(r"^\s*(input|output|when|script|stub|exec|shell):\s*$", re.M)


@dataclasses.dataclass
class Process:
    name: str
    path: Path
    directives: str
    sections: dict

    @property
    def labels(self):
        return re.findall(r"^\s*label\s+'([^']+)'", self.directives, re.M)

    @property
    def tools(self):
        return sorted(set(re.findall(r"\b(satori-[a-z][a-z-]*[a-z])\b", self.sections.get("script", ""))))


def parse_process(path: Path) -> Process:
    text = code(path)
    m = re.search(r"^process\s+([A-Z][A-Z0-9_]*)\s*\{", text, re.M)
    assert m, f"{path}: no process definition"
    body = block_after(text, m.start())
    parts = SECTION_RE.split(body)
    sections = {parts[k]: parts[k + 1] for k in range(1, len(parts) - 1, 2)}
    return Process(m.group(1), path, parts[0], sections)


PROCESSES = [parse_process(p) for p in MODULES]
# One process per bin/satori-<step> tool (modules/local/satori/<step>), in the one satori image;
# MULTIQC (modules/local/multiqc) runs MultiQC in its own image.
SATORI_PROCESSES = [p for p in PROCESSES if (ROOT / "modules" / "local" / "satori") in p.path.parents]
MULTIQC = next((p for p in PROCESSES if p.name == "MULTIQC"), None)


def process_ids(processes):
    return [p.name for p in processes]


# --- tools ----------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def console_scripts() -> dict:
    """``[project.scripts]`` of pyproject.toml (tomllib from Python 3.11, a plain parse before)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        block = re.search(r"^\[project\.scripts\]\s*$(.*?)(?=^\[)", text, re.M | re.S).group(1)
        return dict(re.findall(r'^\s*([\w-]+)\s*=\s*"([^"]+)"', block, re.M))
    return tomllib.loads(text)["project"]["scripts"]


def tool_parser(tool: str):
    """The real argparse parser of ``tool`` (skips the test while its module is not on this branch)."""
    target = console_scripts().get(tool)
    assert target, f"{tool} is not a [project.scripts] entry of pyproject.toml"
    module_name = target.split(":")[0]
    module = pytest.importorskip(module_name, reason=f"{module_name} ({tool}) is not on this branch yet; it arrives with its issue's merge")
    from satori.cli.common import build_parser

    return build_parser(tool, module.Options, module.__doc__ or "")


def flags_in(text: str):
    return sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", text)))


def ext_args_blocks() -> dict:
    """``withName: 'X' { ... }`` blocks of conf/modules.config by process name."""
    text = code(ROOT / "conf" / "modules.config")
    return {m.group(1): block_after(text, m.start()) for m in re.finditer(r"withName:\s*'([^']+)'\s*\{", text)}


# --- schema ---------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def schema() -> dict:
    return json.loads((ROOT / "nextflow_schema.json").read_text(encoding="utf-8"))


def schema_properties() -> dict:
    props = dict(schema().get("properties", {}))
    for group in schema()["$defs"].values():
        props.update(group.get("properties", {}))
    return props


# =================================================================================================
# Tests
# =================================================================================================

def test_nextflow_and_plugin_versions():
    text = code(ROOT / "nextflow.config")
    assert re.search(r"nextflowVersion\s*=\s*'" + re.escape(REQUIRED_NEXTFLOW_VERSION) + "'", text)
    plugins = re.findall(r"id\s+'([^']+)'", block_after(text, text.index("plugins")))
    assert plugins == [REQUIRED_NF_SCHEMA]


def test_manifest_version_is_the_package_version():
    from satori import __version__

    manifest = block_after(code(ROOT / "nextflow.config"), code(ROOT / "nextflow.config").index("manifest"))
    assert re.search(r"version\s*=\s*'" + re.escape(__version__) + "'", manifest)
    # the one image name is tagged with the same version (CPU default, CUDA in the gpu profile)
    assert params_block(code(ROOT / "nextflow.config"))["satori_container"] == f"satori:{__version__}-cpu"
    assert f"params.satori_container = 'satori:{__version__}'" in code(ROOT / "nextflow.config")


def test_strict_syntax_rules():
    """Patterns the strict parser rejects or deprecates."""
    for path in NF_FILES + CONFIG_FILES:
        text = code(path)
        rel = path.relative_to(ROOT)
        assert not re.search(r"\bChannel\s*\.", text), f"{rel}: use lowercase `channel.`"
        assert not re.search(r"^\s*shell\s*:", text, re.M), f"{rel}: no shell: blocks"
        assert not re.search(r"^\s*import\s+[\w.]+", text, re.M), f"{rel}: no import statements"
        assert not re.search(r"^\s*class\s+\w+", text, re.M), f"{rel}: no class declarations"
        assert not re.search(r"\bit\b(?=\s*[.\[)*+-])", text), f"{rel}: name closure parameters (no implicit `it`)"
        assert not re.search(r"\b(for|while|switch)\s*\(", text), f"{rel}: no for/while/switch"
        assert not re.search(r"addParams\s*\(", text), f"{rel}: no addParams"
        assert not re.search(r"\$/", text), f"{rel}: no dollar-slashy strings"
        assert "\t" not in path.read_text(encoding="utf-8"), f"{rel}: indent with spaces"


def test_locals_are_declared_with_def():
    """In functions and workflows, a first assignment to a local needs `def` (strict syntax).

    Process script/stub sections assign ``prefix`` without ``def`` on purpose: the outputs
    refer to it (the nf-core pattern).
    """
    for path in NF_FILES:
        text = re.sub(r"^\s*emit:\s*$.*?^}", "}", code(path), flags=re.M | re.S)  # emit: name = channel
        declared = set(re.findall(r"\bdef\s+([a-z_]\w*)", text))
        declared |= set(re.findall(r"\bdef\s+\(([^)]*)\)", text))
        for m in re.finditer(r"^\s*([a-z_]\w*)\s*=[^=~]", text, re.M):
            name = m.group(1)
            if name in ("prefix",) and path in MODULES:
                continue
            assert name in declared, f"{path.relative_to(ROOT)}: `{name} = ...` without def"


def test_every_module_is_a_satori_step_or_multiqc():
    assert {p.name for p in PROCESSES} - {p.name for p in SATORI_PROCESSES} == {"MULTIQC"}


@pytest.mark.parametrize("proc", SATORI_PROCESSES, ids=process_ids(SATORI_PROCESSES))
def test_process_shape(proc):
    """tag, one resource label, one container line (the one image), when/script/stub, versions topic."""
    rel = proc.path.relative_to(ROOT)
    assert re.match(r"^SATORI_[A-Z][A-Z0-9_]*$", proc.name)
    assert re.search(r'^\s*tag\s+"\$\{meta\.id\}"', proc.directives, re.M), f"{rel}: tag"
    assert len(set(proc.labels) & RESOURCE_LABELS) == 1, f"{rel}: exactly one resource label"
    assert set(proc.labels) <= RESOURCE_LABELS | {"process_gpu", "process_long", "process_high_memory"}
    containers = re.findall(r"^\s*container\s+(.+)$", proc.directives, re.M)
    assert containers == ['"${params.satori_container}"'], f"{rel}: one container line with the one image name"
    for section in ("input", "output", "when", "script", "stub"):
        assert section in proc.sections, f"{rel}: no {section}: section"
    assert "task.ext.when == null || task.ext.when" in proc.sections["when"]
    assert re.search(r"^\s*tuple val\(meta\)", proc.sections["input"], re.M), f"{rel}: inputs as tuple val(meta), path(...)"
    script = proc.sections["script"]
    assert "task.ext.args" in script and "task.ext.prefix" in script
    assert len(proc.tools) == 1, f"{rel}: one bin/ tool call per module, found {proc.tools}"
    tool = proc.tools[0]
    versions = (
        "tuple val(\"${task.process}\"), val('satori'), "
        f"eval('{tool} --version | sed \"s/.* //\"'), emit: versions_satori, topic: versions"
    )
    assert versions in proc.sections["output"], f"{rel}: versions topic output for {tool}"
    for line in proc.sections["output"].strip().splitlines():
        assert re.search(r"emit:\s*\w+", line), f"{rel}: output without emit: {line.strip()}"


@pytest.mark.parametrize("proc", SATORI_PROCESSES, ids=process_ids(SATORI_PROCESSES))
def test_gpu_label_on_gpu_steps(proc):
    assert ("process_gpu" in proc.labels) == (proc.name in GPU_STEPS), proc.name


@pytest.mark.parametrize("proc", PROCESSES, ids=process_ids(PROCESSES))
def test_stub_creates_every_declared_output(proc):
    """The stub writes every file the outputs declare (so -stub-run exercises the wiring);
    a glob output is met by a file the glob matches."""
    stub = proc.sections["stub"]
    outputs = re.findall(r'path\("([^"]+)"\)', proc.sections["output"])
    assert outputs
    made = set(re.findall(r"(?:touch|mkdir -p|mkdir|>)\s+(\S+)", stub))
    made |= {str(parent) for m in made for parent in Path(m).parents if str(parent) != "."}
    for out in outputs:
        assert out in made or any(fnmatch.fnmatchcase(m, out) for m in made), f"{proc.name}: stub does not create {out}"
    if proc in SATORI_PROCESSES:
        assert "prefix = task.ext.prefix" in stub


@pytest.mark.parametrize("proc", SATORI_PROCESSES, ids=process_ids(SATORI_PROCESSES))
def test_module_flags_are_accepted_by_the_tool(proc):
    """Every --flag of the script section and of the step's ext.args exists in the real parser,
    and every required option of the tool is given by the script."""
    tool = proc.tools[0]
    assert (ROOT / "bin" / tool).is_file() or True  # existence is checked once the parser imports
    parser = tool_parser(tool)
    assert (ROOT / "bin" / tool).is_file(), f"bin/{tool} missing"
    accepted = {s for a in parser._actions for s in a.option_strings}
    script_flags = flags_in(proc.sections["script"])
    config_flags = flags_in(ext_args_blocks().get(proc.name, ""))
    for flag in script_flags + config_flags:
        assert f"--{flag}" in accepted, f"{proc.name}: {tool} has no --{flag}"
    required = {a.option_strings[0] for a in parser._actions if a.required and a.option_strings}
    missing = required - {f"--{f}" for f in script_flags}
    assert not missing, f"{proc.name}: script does not pass required {sorted(missing)}"


def test_flag_choices_match_the_schema():
    """Values the schema allows are values the tools accept (simulation presets, AMP modes)."""
    props = schema_properties()
    presets = set(re.findall(r"[a-z]+-\d+", props["datasets"]["pattern"]))
    parser = tool_parser("satori-simulate")
    choices = {a.dest: a.choices for a in parser._actions}
    if choices.get("preset"):
        assert presets <= set(choices["preset"])
    parser = tool_parser("satori-train")
    choices = {a.dest: a.choices for a in parser._actions}
    if choices.get("amp"):
        assert set(props["amp"]["enum"]) <= set(choices["amp"])
    parser = tool_parser("satori-prepare-dhs")
    choices = {a.dest: a.choices for a in parser._actions}
    assert set(props["dhs_mode"]["enum"]) == set(choices["mode"])
    module = importlib.import_module(console_scripts()["satori-prepare-dhs"].split(":")[0])
    assert props["dhs_mode"]["default"] == module.Options.__dataclass_fields__["mode"].default


def test_meta_yml_matches_module():
    for proc in PROCESSES:
        meta = yaml.safe_load((proc.path.parent / "meta.yml").read_text(encoding="utf-8"))
        emits = re.findall(r"emit:\s*(\w+)", proc.sections["output"])
        assert list(meta["output"]) == emits, proc.name
        if proc in SATORI_PROCESSES:
            assert "versions" in meta["topics"], proc.name
        else:  # MultiQC's input waits for the versions topic: its own version stays off the topic
            assert "topics" not in meta and "topic:" not in proc.sections["output"], proc.name
        assert len(meta["input"][0]) == len(re.findall(r"\b(?:val|path)\(", proc.sections["input"])), proc.name


def test_params_in_config_and_schema_agree():
    """Same names both ways, same defaults (null = no default in the schema)."""
    config = params_block(code(ROOT / "nextflow.config"))
    props = schema_properties()
    assert set(config) == set(props), (
        f"only in nextflow.config: {sorted(set(config) - set(props))}; only in schema: {sorted(set(props) - set(config))}"
    )
    for name, default in config.items():
        if default is DYNAMIC or default is None:
            assert "default" not in props[name], f"{name}: schema default for a null/dynamic config default"
        else:
            assert props[name].get("default") == default, f"{name}: config {default!r} vs schema {props[name].get('default')!r}"
        assert props[name].get("description"), f"{name}: no description"
        assert props[name].get("type"), f"{name}: no type"


def test_every_param_used_is_in_the_schema():
    props = schema_properties()
    used = set()
    for path in NF_FILES + CONFIG_FILES:
        text = code(path)
        used |= set(re.findall(r"(?<![/\w.])params\.([A-Za-z_]\w*)", text))
        used |= set(params_block(text))
    assert used - set(props) == set(), f"params used but not in nextflow_schema.json: {sorted(used - set(props))}"
    # and nothing in the schema is dead: every schema param is used somewhere (or is nf-schema's own)
    nf_schema_own = {"help", "help_full", "show_hidden"}
    unused = set(props) - used - nf_schema_own
    assert not unused, f"schema params never used: {sorted(unused)}"


def project_dir_value(value: str):
    """A config value ``"${projectDir}/..."`` as a path in this checkout (None for anything else)."""
    m = re.fullmatch(r'"\$\{projectDir\}/([^"$\\]+)"', value.strip())
    return ROOT / m.group(1) if m else None


def profile_params(config: str) -> dict:
    """The params a profile sets, with ``${projectDir}/...`` paths resolved to this checkout."""
    text = code(ROOT / config)
    m = re.search(r"^params\s*\{", text, re.M)
    raw = {}
    if m:
        for line in block_after(text, m.start()).splitlines():
            a = re.match(r"^\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*$", line)
            if a:
                raw[a.group(1)] = a.group(2)
    out = {}
    for name, value in raw.items():
        path = project_dir_value(value)
        out[name] = str(path) if path is not None else literal(value)
    return out


@pytest.mark.parametrize("config", ["nextflow.config", "conf/test.config", "conf/test_real.config", "conf/test_full.config"])
def test_config_params_validate_against_the_schema(config):
    """What a profile sets is what the schema accepts (as nf-schema would check at run time:
    types, patterns, enums, and that the files exist)."""
    values = {k: v for k, v in profile_params(config).items() if v is not DYNAMIC and v is not None}
    props = schema_properties()
    for name, value in values.items():
        jsonschema.Draft202012Validator(props[name]).validate(value)
        if props[name].get("exists"):
            assert Path(value).exists(), f"{config}: {name} = {value} does not exist"


@pytest.mark.parametrize("path", ["nextflow_schema.json", "assets/schema_input.json"])
def test_schemas_are_valid_2020_12(path):
    doc = json.loads((ROOT / path).read_text(encoding="utf-8"))
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(doc)


def test_schema_groups_are_all_referenced():
    refs = [r["$ref"] for r in schema()["allOf"]]
    assert refs == [f"#/$defs/{k}" for k in schema()["$defs"]]
    assert schema()["$defs"]["input_output_options"]["required"] == ["outdir"]


def test_schema_patterns():
    props = schema_properties()

    def ok(name, value):
        return jsonschema.Draft202012Validator(props[name]).is_valid(value)

    assert ok("datasets", "data-40,data-60,data-80") and not ok("datasets", "data-41")
    assert ok("entropy_lambdas", "0, 0.001,1e-3") and ok("entropy_lambdas", 0.01) and not ok("entropy_lambdas", "0;0.01")
    assert ok("db_modes", "simulation") and not ok("db_modes", "jaspar,hocomoco")
    assert ok("device", "cuda:1") and not ok("device", "gpu")
    assert ok("attn_cutoff", "mean") and ok("attn_cutoff", 0.1) and not ok("attn_cutoff", "max")


def test_samplesheet_schema_accepts_a_sheet():
    sheet = json.loads((ROOT / "assets" / "schema_input.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(sheet)
    assert validator.is_valid([{"sample": "K562_DNase", "bed": "peaks/k562.narrowPeak.gz"}])
    assert not validator.is_valid([{"sample": "a b", "bed": "x.bed"}])
    assert not validator.is_valid([{"sample": "a", "bed": "x.txt"}])
    assert not validator.is_valid([{"sample": "a"}])
    assert list(sheet["items"]["properties"]) == ["sample", "bed"]


def test_includes_resolve():
    defined_cache = {}
    for path in NF_FILES:
        for m in re.finditer(r"include\s*\{([^}]*)\}\s*from\s*'([^']+)'", code(path)):
            names = [n.split(" as ")[0].strip() for n in re.split(r"[;\n]", m.group(1)) if n.strip()]
            source = m.group(2)
            if source.startswith("plugin/"):
                assert source == "plugin/nf-schema"
                continue
            target = (path.parent / source).resolve()
            target = target if target.suffix == ".nf" else (target.with_suffix(".nf") if target.with_suffix(".nf").exists() else target / "main.nf")
            assert target.is_file(), f"{path.relative_to(ROOT)}: include from {source} finds no file"
            if target not in defined_cache:
                defined_cache[target] = set(re.findall(r"^(?:process|workflow|def)\s+([A-Za-z_]\w*)", code(target), re.M))
            for name in names:
                assert name in defined_cache[target], f"{path.relative_to(ROOT)}: {name} not defined in {source}"


def test_config_selectors_name_real_processes():
    names = {p.name for p in PROCESSES}
    for path in CONFIG_FILES:
        for sel in re.findall(r"withName:\s*'([^']+)'", code(path)):
            assert any(re.fullmatch(sel, n) for n in names), f"{path.relative_to(ROOT)}: withName '{sel}' matches no process"
        labels = set(re.findall(r"withLabel:\s*'([^']+)'", code(path)))
        for proc in PROCESSES:
            for label in proc.labels:
                assert label in set(re.findall(r"withLabel:\s*'([^']+)'", code(ROOT / "conf" / "base.config"))), label
        assert labels <= set(re.findall(r"withLabel:\s*'([^']+)'", code(ROOT / "conf" / "base.config"))), path


def test_every_module_is_used():
    used = set()
    for path in NF_FILES:
        if path not in MODULES:
            used |= set(re.findall(r"\b(SATORI_[A-Z_]+|MULTIQC)\s*\(", code(path)))
    assert {p.name for p in PROCESSES} <= used


def test_required_profiles_exist():
    text = code(ROOT / "nextflow.config")
    profiles = block_after(text, text.index("profiles"))
    names = set(re.findall(r"^\s{4}(\w+)\s*\{", profiles, re.M))
    assert {"docker", "singularity", "apptainer", "podman", "gpu", "test", "test_real", "test_full", "debug", "slurm"} <= names
    assert names & {"awsbatch", "google_batch", "azurebatch"}
    gpu = block_after(profiles, profiles.index("gpu {"))
    gpu_steps = block_after(gpu, gpu.index("withLabel: 'process_gpu'"))
    assert "return '--gpus all'" in gpu_steps and "return '--nv'" in gpu_steps and "engine == 'apptainer'" in gpu_steps
    assert "runOptions" not in gpu  # profile order must not matter (strict parser: command-line order)
    base = code(ROOT / "conf" / "base.config")
    gpu_label = block_after(base, base.index("withLabel: 'process_gpu'"))
    assert "accelerator" in gpu_label and "workflow.profile.contains('gpu')" in gpu_label
    assert "(130..145) + 104 + (175..177)" in base
    for name in ("process_single", "process_low", "process_medium", "process_high", "process_long", "process_high_memory"):
        assert f"withLabel: '{name}'" in base
    assert re.search(r"^outputDir\s*=\s*params\.outdir", text, re.M)
    assert '"pipefail"' in text
    for report in ("timeline", "report", "trace", "dag"):
        assert re.search(report + r"\s*\{[^}]*\$\{params\.outdir\}/pipeline_info/", text), report


def test_test_profile_is_small_and_offline():
    test = params_block(code(ROOT / "conf" / "test.config"))
    assert test["n_seqs"] <= 5000 and test["max_epochs"] <= 5 and test["device"] == "cpu"
    text = code(ROOT / "conf" / "test.config")
    assert "resourceLimits" in text and "http" not in text
    full = params_block(code(ROOT / "conf" / "test_full.config"))
    assert full["datasets"] == "data-40,data-60,data-80" and full["entropy_lambdas"] == "0,0.01"


def test_test_real_profile_is_small_offline_and_complete():
    """test_real runs the real-data path on the shipped fixture: every file it names exists,
    the samplesheet validates and its peak files exist relative to the sheet (as the pipeline
    and satori-prepare-dhs read them), the annotation fits the mode, and it stays tiny."""
    text = code(ROOT / "conf" / "test_real.config")
    assert "resourceLimits" in text and "http" not in text
    real = profile_params("conf/test_real.config")
    assert real["max_epochs"] <= 5 and real["device"] == "cpu"
    for name in ("input", "genome", "gtf", "ppi"):
        assert real[name] and Path(real[name]).is_file(), name
        assert (ROOT / "assets" / "test_real") in Path(real[name]).parents, f"{name}: ship the fixture in assets/test_real"
    assert real["dhs_mode"] == "promoter" and (real.get("gtf") or real.get("tss"))
    sheet = Path(real["input"])
    rows = [dict(zip(["sample", "bed"], line.split(","))) for line in sheet.read_text().split()[1:]]
    assert sheet.read_text().splitlines()[0] == "sample,bed"
    jsonschema.Draft202012Validator(json.loads((ROOT / "assets" / "schema_input.json").read_text())).validate(rows)
    for row in rows:
        assert (sheet.parent / row["bed"]).is_file(), row
    size = sum(p.stat().st_size for p in (ROOT / "assets" / "test_real").rglob("*") if p.is_file())
    assert size < 2_000_000, f"assets/test_real is {size} bytes: keep the fixture small"
    profiles = block_after(code(ROOT / "nextflow.config"), code(ROOT / "nextflow.config").index("profiles"))
    assert "test_real { includeConfig 'conf/test_real.config' }" in profiles


def test_summary_manifest_matches_the_tool():
    """The manifest the subworkflow writes has the columns satori-summarize reads."""
    from satori import formats

    text = code(ROOT / "subworkflows" / "local" / "simulated_benchmark" / "main.nf")
    header = re.search(r"def manifest_header = \[([^\]]+)\]", text).group(1)
    columns = re.findall(r"'([^']+)'", header)
    assert columns[0] == formats.RUNS_ID
    assert {formats.RUNS_EVALUATION, formats.RUNS_METRICS} <= set(columns)
    assert not set(columns) & set(formats.BENCHMARK_METRIC_COLUMNS)
    summarize = next(p for p in PROCESSES if p.name == "SATORI_SUMMARIZE")
    assert "stageAs: 'evaluations/*'" in summarize.sections["input"] and "stageAs: 'models/*'" in summarize.sections["input"]
    assert '"evaluations/${evaluation_dir.name}/evaluation.json"' in text and '"models/${model_dir.name}/metrics.json"' in text


def test_real_data_path_replaces_the_benchmark_with_input():
    """--input runs REAL_DATA instead of SIMULATED_BENCHMARK (not both), the initialisation no
    longer stops on --input, and the real-data chain is wired in order."""
    satori = code(ROOT / "workflows" / "satori.nf")
    m = re.search(r"if \(real_data\) \{(.*?)\n    \}\s*else \{(.*?)\n    \}", satori, re.S)
    assert m, "workflows/satori.nf: if (real_data) { REAL_DATA } else { SIMULATED_BENCHMARK }"
    assert "REAL_DATA(" in m.group(1) and "SIMULATED_BENCHMARK(" not in m.group(1)
    assert "SIMULATED_BENCHMARK(" in m.group(2) and "REAL_DATA(" not in m.group(2)
    assert "params.input ? true : false" in code(ROOT / "main.nf")
    init = code(ROOT / "subworkflows" / "local" / "utils_satori_pipeline" / "main.nf")
    assert "does not have yet" not in init and "resolveSheetPath(" in init and "validateRealDataParameters(" in init
    real = code(ROOT / "subworkflows" / "local" / "real_data" / "main.nf")
    calls = [m.start() for m in re.finditer(r"\b(SATORI_PREPARE_DHS|SATORI_TRAIN|SATORI_FILTER_MOTIFS|SATORI_INTERPRET_RAW|SATORI_HIPPIE_LOOKUP)\(", real)]
    names = re.findall(r"\b(SATORI_PREPARE_DHS|SATORI_TRAIN|SATORI_FILTER_MOTIFS|SATORI_INTERPRET_RAW|SATORI_HIPPIE_LOOKUP)\(", real)
    assert names == ["SATORI_PREPARE_DHS", "SATORI_TRAIN", "SATORI_FILTER_MOTIFS", "SATORI_INTERPRET_RAW", "SATORI_HIPPIE_LOOKUP"]
    assert calls == sorted(calls)
    assert "background: 'shuffle'" in real  # multi-label data has no negatives


# What each subworkflow puts in each SATORI_REPORT slot (the slots not named here get []).
REPORT_SLOTS = {
    "simulated_benchmark": {"simulate": "simulate_dir", "model": "model", "filter_motifs": "filter_dirs",
                            "interpret_raw": "interpret_dirs", "evaluate": "evaluate_dirs", "implant": "implant_dirs"},
    "real_data": {"prepare_dhs": "prepare_dir", "model": "model", "filter_motifs": "filter_dirs",
                  "interpret_raw": "raw_dirs", "interpret_attr": "attr_dirs", "dfim": "dfim_dirs", "hippie": "hippie_dirs",
                  "implant": "implant_dirs"},
}


def test_report_run_tree_matches_what_the_report_discovers():
    """SATORI_REPORT stages each step's folders under run/<step>/, with the step names
    satori-report uses as hints; both paths feed it a tuple with one field per slot, each
    step's folders in its own slot."""
    from satori.report.discover import STEP_DIRS

    report = next(p for p in PROCESSES if p.name == "SATORI_REPORT")
    staged = re.findall(r"path\((\w+), stageAs: 'run/(\w+)/\*'\)", report.sections["input"])
    assert staged and all(name == step or (name, step) == ("model", "train") for name, step in staged)
    assert {step for _, step in staged} <= set(STEP_DIRS.values())
    assert {"simulate", "prepare_dhs", "train", "filter_motifs", "interpret_raw", "interpret_attr", "dfim", "evaluate",
            "hippie", "implant"} <= {s for _, s in staged}
    assert "--run run" in report.sections["script"]
    slots = [name for name, _ in staged]
    for sub, filled in REPORT_SLOTS.items():
        text = code(ROOT / "subworkflows" / "local" / sub / "main.nf")
        body = text[text.index("def ch_report_input"):text.index("emit:")]
        fields = [f.strip() for f in re.findall(r"\[meta, ([^\]\[]*(?:\[\][^\]\[]*)*)\]\s*\}", body)[-1].split(",")]
        assert len(fields) == len(slots), f"{sub}: report input has {len(fields)} fields after meta, SATORI_REPORT {len(slots)}"
        assert dict(zip(slots, fields)) == {slot: filled.get(slot, "[]") for slot in slots}, sub
    assert code(ROOT / "conf" / "modules.config").count('path: { "${params.outdir}/report" }') == 1
    assert "${params.outdir}/hippie" in code(ROOT / "conf" / "modules.config")


def test_report_index_and_multiqc_wiring():
    """The index is written next to the reports (report/index.html links <configuration>/report.html),
    its MultiQC files have the names satori-report writes, and MultiQC gets them with the run
    summary and the versions file under the names MultiQC recognises; --skip_multiqc skips it."""
    from satori.report import index

    idx = next(p for p in PROCESSES if p.name == "SATORI_REPORT_INDEX")
    assert f'path("${{prefix}}/{index.MQC_TABLE}")' in idx.sections["output"]
    assert fnmatch.fnmatchcase(index.MQC_AUC, "satori_*_mqc.png")
    assert fnmatch.fnmatchcase(index.MQC_INTERACTIONS.format(suffix="_jaspar"), "satori_*_mqc.png")
    assert "--outdir ${prefix}" in idx.sections["script"] and 'ln -s ${targets} ${prefix}/' in idx.sections["script"]
    modules_config = code(ROOT / "conf" / "modules.config")
    index_block = block_after(modules_config, modules_config.index("withName: 'SATORI_REPORT_INDEX'"))
    assert 'path: { "${params.outdir}" }' in index_block  # prefix 'report' -> <outdir>/report/index.html
    satori = code(ROOT / "workflows" / "satori.nf")
    assert "[[id: 'report'], reports]" in satori
    assert "name: 'satori_software_mqc_versions.yml'" in satori  # MultiQC's software_versions pattern
    assert "collectFile(name: 'workflow_summary_mqc.yaml')" in satori
    assert "paramsSummaryMap(workflow, parameters_schema: \"nextflow_schema.json\")" in satori
    assert re.search(r"if \(!skip_multiqc\) \{.*?MULTIQC\(", satori, re.S)
    assert "SATORI_REPORT_INDEX.out.mqc_table" in satori and "SATORI_REPORT_INDEX.out.mqc_plots" in satori
    mqc_config = yaml.safe_load((ROOT / "assets" / "multiqc_config.yml").read_text(encoding="utf-8"))
    assert isinstance(mqc_config, dict) and "report_section_order" in mqc_config
    assert 'path: { "${params.outdir}/multiqc" }' in block_after(modules_config, modules_config.index("withName: 'MULTIQC'"))


# --- workflow bodies ------------------------------------------------------------------------

WF_SECTION_RE = re.compile(r"^\s*(take|main|emit|publish):\s*$", re.M)


@dataclasses.dataclass
class Workflow:
    name: str  # '' for the entry workflow
    path: Path
    sections: dict

    @property
    def takes(self):
        return re.findall(r"^\s*([A-Za-z_]\w*)\s*$", self.sections.get("take", ""), re.M)

    @property
    def emits(self):
        return re.findall(r"^\s*([A-Za-z_]\w*)\s*(?:=|$)", self.sections.get("emit", ""), re.M)

    @property
    def body(self):
        return "\n".join(self.sections.values())


def parse_workflows():
    out = []
    for path in NF_FILES:
        if path in MODULES:
            continue
        text = code(path)
        for m in re.finditer(r"^workflow\s*([A-Z][A-Z0-9_]*)?\s*\{", text, re.M):
            body = block_after(text, m.start())
            parts = WF_SECTION_RE.split(body)
            sections = {parts[k]: parts[k + 1] for k in range(1, len(parts) - 1, 2)}
            out.append(Workflow(m.group(1) or "", path, sections or {"main": body}))
    return out


WORKFLOWS = parse_workflows()


def test_workflows_are_parsed():
    names = {w.name for w in WORKFLOWS}
    assert {"", "SATORI", "REAL_DATA", "SIMULATED_BENCHMARK", "PIPELINE_INITIALISATION", "PIPELINE_COMPLETION"} <= names
    real = next(w for w in WORKFLOWS if w.name == "REAL_DATA")
    assert "ch_samplesheet" in real.takes and "report_input" in real.emits and "dataset" in real.emits


@pytest.mark.parametrize("wf", WORKFLOWS, ids=[w.name or "entry" for w in WORKFLOWS])
def test_no_local_shares_a_name_with_an_emit_take_or_output(wf):
    """A `def X` anywhere in a workflow body (closures included) must not be named like one of
    its emits, one of its takes, or an output of a process or subworkflow it calls: an emit
    `X = ...` then assigns the local and leaves the output unbound ("Missing workflow output
    parameter"), and a take of the same name is shadowed."""
    outputs = {}
    for proc in PROCESSES:
        outputs[proc.name] = set(re.findall(r"emit:\s*(\w+)", proc.sections["output"]))
    for other in WORKFLOWS:
        if other.name:
            outputs[other.name] = set(other.emits)
    called = {name for name in outputs if re.search(r"\b" + name + r"\s*\(", wf.sections.get("main", ""))}
    called_outputs = set().union(*(outputs[name] for name in called)) if called else set()
    called_outputs |= set(re.findall(r"\b[A-Z][A-Z0-9_]*\.out\.(\w+)", wf.body))
    rel = wf.path.relative_to(ROOT)
    for local in re.findall(r"\bdef\s+([A-Za-z_]\w*)\s*=", wf.sections.get("main", "")):
        assert local not in wf.emits, f"{rel} {wf.name}: local `def {local}` is also an emit"
        assert local not in wf.takes, f"{rel} {wf.name}: local `def {local}` is also a take"
        assert local not in called_outputs, f"{rel} {wf.name}: local `def {local}` is also an output of a process it calls"


def test_real_data_path_runs_every_method():
    """attr and DFIM run on the real-data path behind --methods, as in the benchmark, and their
    TF pairs reach the hippie lookup and the reports."""
    real = next(w for w in WORKFLOWS if w.name == "REAL_DATA")
    bench = next(w for w in WORKFLOWS if w.name == "SIMULATED_BENCHMARK")
    assert "methods" in real.takes and "methods" in bench.takes
    for wf in (real, bench):
        main = wf.sections["main"]
        assert "SATORI_INTERPRET_RAW(ch_interpret_input)" in main
        assert "SATORI_INTERPRET_ATTR(ch_interpret_input.filter { _row -> 'attr' in methods })" in main, wf.name
        assert "SATORI_DFIM(ch_interpret_input.filter { _row -> 'dfim' in methods })" in main, wf.name
        for proc in ("SATORI_INTERPRET_RAW", "SATORI_INTERPRET_ATTR", "SATORI_DFIM"):
            assert f"{proc}.out.tf_interactions" in main, f"{wf.name}: {proc}'s TF pairs are not used"
    main = real.sections["main"]
    assert re.search(r"SATORI_HIPPIE_LOOKUP\(\s*ch_tf_interactions", main)
    assert re.search(r"def ch_interpret_dirs = ch_tf_interactions", main)  # every method's folders, per model
    satori = code(ROOT / "workflows" / "satori.nf")
    assert satori.count("splitList(methods)") == 2  # both paths get --methods
    for path in NF_FILES + CONFIG_FILES:
        assert "TODO(issue 5)" not in path.read_text(encoding="utf-8"), path.relative_to(ROOT)


# nf-schema 2.7.3's paramsSummaryMap adds a 'Core Nextflow options' group
# (nextflow.validation.summary.SummaryCreator): these entries change between two runs of the
# same pipeline on the same inputs (runName on every run, -resume included; the others with the
# machine, user or launch folder). The summary is a MULTIQC input: each must be left out.
NF_SCHEMA_CORE_OPTIONS = ["revision", "runName", "containerEngine", "container", "launchDir", "workDir",
                          "projectDir", "userName", "profile", "configFiles"]
RUN_SPECIFIC = {"runName", "launchDir", "workDir", "projectDir", "userName", "configFiles"}
# Groovy that reads the clock or the run
RUN_DEPENDENT = [r"\bnew\s+(java\.util\.)?Date\b", r"currentTimeMillis", r"\bworkflow\.(runName|sessionId|start|launchDir|workDir|userName|commandLine)\b",
                 r"\bLocalDateTime\b", r"\bInstant\b"]


def groovy_function(path: Path, name: str) -> str:
    text = code(path)
    return block_after(text, re.search(r"^def\s+" + name + r"\s*\(", text, re.M).start())


def test_multiqc_inputs_are_the_same_on_resume():
    """MULTIQC caches on -resume: its inputs hold nothing that changes from run to run.

    The workflow summary leaves out nf-schema's run-specific entries; the functions that
    write MultiQC inputs read no clock or run name; the files reach MULTIQC sorted by name."""
    utils = ROOT / "subworkflows" / "local" / "utils_satori_pipeline" / "main.nf"
    summary = groovy_function(utils, "paramsSummaryMultiqc")
    m = re.search(r"def run_specific = \[([^\]]*)\]", summary)
    assert m, "paramsSummaryMultiqc: no list of the run-specific entries it leaves out"
    left_out = set(re.findall(r"'(\w+)'", m.group(1)))
    assert RUN_SPECIFIC <= left_out and left_out <= set(NF_SCHEMA_CORE_OPTIONS), sorted(left_out)
    assert "group == 'Core Nextflow options'" in summary and "!(param in run_specific)" in summary

    # the same nf-schema summary for two runs of the same pipeline, filtered as the function filters it
    def nf_schema_summary(run):
        core = {key: f"{key}-{run}" if key in RUN_SPECIFIC else f"{key}-same" for key in NF_SCHEMA_CORE_OPTIONS}
        return {"Benchmark options": {"datasets": "data-40"}, "Core Nextflow options": core}

    def filtered(summary_map):
        return {g: {k: v for k, v in ps.items() if not (g == "Core Nextflow options" and k in left_out)}
                for g, ps in summary_map.items()}

    assert filtered(nf_schema_summary("a")) == filtered(nf_schema_summary("b"))

    for path, fn in ((utils, "paramsSummaryMultiqc"), (utils, "workflowVersionToYAML"), (utils, "getWorkflowVersion")):
        body = groovy_function(path, fn)
        for pattern in RUN_DEPENDENT:
            assert not re.search(pattern, body), f"{fn} reads {pattern}: a MULTIQC input that changes on every run"
    satori = code(ROOT / "workflows" / "satori.nf")
    multiqc_call = block_after(satori, satori.index("if (!skip_multiqc)"))
    assert "paramsSummaryMultiqc(ch_summary_params)" in multiqc_call
    assert "ch_multiqc_files.flatten().toSortedList { a, b -> a.name <=> b.name }" in multiqc_call
    assert ".collect()" not in multiqc_call  # unsorted: the files in the order they arrive
    # the files that reach MULTIQC come from processes or from collectFile (content-addressed on -resume)
    for m in re.finditer(r"\.collectFile\(([^)]*)\)", satori):
        assert "cache: false" not in m.group(1)


def test_multiqc_module():
    """MultiQC as in the nf-core template: its own image, config/logo inputs, version off the topic."""
    assert MULTIQC is not None
    containers = re.findall(r"^\s*container\s+(.+)$", MULTIQC.directives, re.M)
    assert len(containers) == 1 and re.search(r"multiqc:1\.\d+", containers[0]) and "satori_container" not in containers[0]
    assert "process_single" in MULTIQC.labels and re.search(r'^\s*tag\s+"\$\{meta\.id\}"', MULTIQC.directives, re.M)
    assert "task.ext.when == null || task.ext.when" in MULTIQC.sections["when"]
    script = MULTIQC.sections["script"]
    assert "multiqc" in script and "--config ${multiqc_config}" in script and "task.ext.args" in script
    assert "tuple val(\"${task.process}\"), val('multiqc'), eval('multiqc --version | sed \"s/.* //g\"'), emit: versions" in MULTIQC.sections["output"]


def test_containers():
    docker = (ROOT / "containers" / "Dockerfile").read_text(encoding="utf-8")
    cpu = (ROOT / "containers" / "Dockerfile.cpu").read_text(encoding="utf-8")
    apptainer = (ROOT / "containers" / "satori.def").read_text(encoding="utf-8")
    for text in (docker, cpu):
        assert "pip install" in text and "NUMBA_CACHE_DIR" in text and "NUMBA_CPU_NAME=generic" in text
        assert re.search(r"^USER\s+(?!root)\w+", text, re.M)
        assert "org.opencontainers.image.version" in text and "procps" in text
        assert "containers/sitecustomize.py" in text and "containers/warm_numba.py" in text
    assert re.search(r"^FROM\s+\$\{BASE_IMAGE\}", docker, re.M) and "cuda" in docker.lower()
    assert "download.pytorch.org/whl/cpu" in cpu
    assert re.search(r"^Bootstrap:\s*docker", apptainer, re.M | re.I)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    from satori import __version__

    for tag in (f"satori:{__version__}", f"satori:{__version__}-cpu"):
        assert f"-t {tag} " in readme, f"README builds {tag}"


def test_bin_wrappers_match_pyproject():
    for tool, target in console_scripts().items():
        path = ROOT / "bin" / tool
        if not path.exists():
            continue  # tools of other branches arrive with their merge
        text = path.read_text(encoding="utf-8")
        assert path.stat().st_mode & 0o111, f"bin/{tool} is not executable"
        assert f"from {target.split(':')[0]} import main" in text


GROOVY_PARSE = """
import org.codehaus.groovy.control.*
int bad = 0
args.each { f ->
    def cu = new CompilationUnit()
    cu.addSource(new File(f))
    try { cu.compile(Phases.CONVERSION) }
    catch (e) { bad++; println "${f}: ${e.message}" }
}
System.exit(bad ? 1 : 0)
"""


def test_groovy_syntax(tmp_path):
    """Brackets, quotes and string escapes of every .nf/.config file, with a Groovy parser when
    one is installed (Debian's `groovy`). Nextflow's own strict parser is stricter: run
    `nextflow lint .` where Nextflow is installed."""
    import os
    import shutil
    import subprocess

    groovy, java = shutil.which("groovy"), shutil.which("java")
    if not groovy or not java:
        pytest.skip("no groovy/java on this machine (apt-get install groovy); `nextflow lint .` checks more")
    script = tmp_path / "parse.groovy"
    script.write_text(GROOVY_PARSE)
    java_home = Path(os.path.realpath(java)).parents[1]
    files = [str(p) for p in NF_FILES + CONFIG_FILES]
    proc = subprocess.run([groovy, str(script), *files], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, JAVA_HOME=str(java_home)))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_implant_outputs_reach_the_reports_without_clashing():
    """Every method's implantation reaches its model's report: SATORI_IMPLANT writes
    <meta.id>/implant.tsv with meta.id = <configuration>_<method> (so the folders of two
    methods or databases of one model differ under run/implant/), the benchmark groups them
    per model from SATORI_IMPLANT.out, and the report stages them under run/implant/."""
    implant = next(p for p in PROCESSES if p.name == "SATORI_IMPLANT")
    assert 'path("${prefix}/implant.tsv")' in implant.sections["output"]
    assert 'path("${prefix}/implant_curves.tsv")' in implant.sections["output"]
    assert 'prefix = task.ext.prefix ?: "${meta.id}"' in implant.sections["script"]
    assert "ext.prefix" not in ext_args_blocks().get("SATORI_IMPLANT", "")
    bench = next(w for w in WORKFLOWS if w.name == "SIMULATED_BENCHMARK").sections["main"]
    assert re.search(r"id: \"\$\{meta\.id\}_\$\{method\}\"\.toString\(\), method: method\], model, fasta, labels, "
                     r"filter_motifs_dir, tsv, motif_db", bench), "SATORI_IMPLANT's meta.id names the method"
    real = next(w for w in WORKFLOWS if w.name == "REAL_DATA").sections["main"]
    for name, main in (("SIMULATED_BENCHMARK", bench), ("REAL_DATA", real)):
        m = re.search(r"def ch_implant_dirs = SATORI_IMPLANT\.out\.implant\s*\.map \{ meta, tsv -> \[meta\.model_id, tsv\.parent\] \}"
                      r"\s*\.groupTuple\(\)", main)
        assert m, f"{name} groups each model's implant folders"
        assert ".join(ch_implant_dirs)" in main[main.index("def ch_report_input"):], name
    # the real-data path implants every method's pairs (the methods --methods runs), each with its
    # model's inputs and filter folder, in the module's input order
    assert re.search(r"def ch_implant_input = ch_tf_interactions\b", real)
    assert "SATORI_IMPLANT(ch_implant_input)" in real
    assert "[meta, model, fasta, labels, filter_motifs_dir, tsv, motif_db_file]" in real
    assert real.index("SATORI_INTERPRET_RAW(") < real.index("SATORI_IMPLANT(") < real.index("def ch_report_input")
    report = next(p for p in PROCESSES if p.name == "SATORI_REPORT")
    assert "path(implant, stageAs: 'run/implant/*')" in report.sections["input"]
    meta_yml = yaml.safe_load((ROOT / "modules" / "local" / "satori" / "report" / "meta.yml").read_text(encoding="utf-8"))
    assert [next(iter(d)) for d in meta_yml["input"][0]][-1] == "implant"
