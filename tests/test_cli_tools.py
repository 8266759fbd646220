"""Every satori-<step> tool through the one shared CLI layer: path checks before any work,
and --help texts a new user can read.

The tools are the package's console scripts (pyproject.toml), so a new tool is covered
when it is registered there.
"""

import dataclasses
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _scripts() -> dict:
    """``[project.scripts]`` of pyproject.toml: tool name -> ``module:function``."""
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r'^\s*([\w-]+)\s*=\s*"([\w.]+:\w+)"', section, flags=re.MULTILINE))


SCRIPTS = _scripts()


def _module(script: str):
    return importlib.import_module(SCRIPTS[script].split(":")[0])


def _options(script: str):
    """The options dataclass a tool hands to run_cli (every tool calls it ``Options``)."""
    return _module(script).Options


def _main(script: str):
    module, func = SCRIPTS[script].split(":")
    return getattr(importlib.import_module(module), func)


def _required_args(script: str, where: Path) -> list:
    """Every required option of a tool, each naming a path under ``where`` that does not exist."""
    argv = []
    for f in dataclasses.fields(_options(script)):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            argv += ["--" + f.name.replace("_", "-"), str(where / f"missing_{f.name}")]
    return argv


def _help(script: str, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        _main(script)(["--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


WITH_OUTDIR = sorted(s for s in SCRIPTS if any(f.name == "outdir" for f in dataclasses.fields(_options(s))))
WITH_MODEL = sorted(s for s in SCRIPTS if any(f.name == "model" for f in dataclasses.fields(_options(s))))


def test_tool_lists_cover_the_steps():
    """The parametrized tests below see every tool that writes outputs or reads a model."""
    assert {"satori-simulate", "satori-train", "satori-demo", "satori-report", "satori-evaluate",
            "satori-summarize", "satori-search", "satori-prepare-dhs", "satori-hippie-lookup",
            "satori-filter-motifs", "satori-interpret-raw", "satori-interpret-attr", "satori-dfim"} <= set(WITH_OUTDIR)
    assert {"satori-filter-motifs", "satori-interpret-raw", "satori-interpret-attr", "satori-dfim"} <= set(WITH_MODEL)


def _one_line_error(capsys, script: str) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    assert err[0].startswith(f"{script}: error: ")
    return err[0]


@pytest.mark.parametrize("under_file", [False, True], ids=["outdir-is-file", "outdir-under-file"])
@pytest.mark.parametrize("script", WITH_OUTDIR)
def test_outdir_file_fails_first(script, under_file, tmp_path, capsys):
    """--outdir naming a regular file (or a path inside one): one line, exit 2, before any
    work: the inputs do not even exist, yet the message is about --outdir, and nothing
    is written."""
    blocker = tmp_path / "taken"
    blocker.write_text("keep me\n")
    outdir = blocker / "sub" if under_file else blocker
    argv = _required_args(script, tmp_path) + ["--outdir", str(outdir)]
    if script == "satori-report":
        argv += ["--run", str(tmp_path / "missing_run")]
    status = _main(script)(argv)
    assert status == 2
    line = _one_line_error(capsys, script)
    assert "--outdir" in line and str(outdir) in line
    assert blocker.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_report_default_outdir_checked(tmp_path, capsys):
    """satori-report --run DIR writes DIR/report by default: a file there fails at once too."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "report").write_text("x")
    assert _main("satori-report")(["--run", str(run)]) == 2
    line = _one_line_error(capsys, "satori-report")
    assert str(run / "report") in line and "not a directory" in line


@pytest.mark.parametrize("script", WITH_MODEL)
def test_missing_model_dir(script, tmp_path, capsys):
    """--model naming a directory that does not exist says so (not "no config.json")."""
    model = tmp_path / "no_such_model"
    argv = _required_args(script, tmp_path)
    if "--model" in argv:
        argv[argv.index("--model") + 1] = str(model)
    else:  # optional (satori-filter-motifs: --model or --pwms)
        argv += ["--model", str(model)]
    argv[argv.index("--outdir") + 1] = str(tmp_path / "out")
    assert _main(script)(argv) == 2
    line = _one_line_error(capsys, script)
    assert line.endswith(f"--model {model}: does not exist")
    assert not (tmp_path / "out").exists()


ISSUE_WORDS = re.compile(r"\b(issue|TODO)\s*\(?#?\d+", re.IGNORECASE)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_help_reads_cleanly(script, capsys, monkeypatch):
    """No option states its default twice, no empty "(default: )", no internal words
    (issue numbers, pointers to design notes the repository does not ship)."""
    monkeypatch.setenv("COLUMNS", "10000")  # one option per line, so a duplicate is on one line
    text = _help(script, capsys)
    assert "(default: )" not in text
    for line in text.splitlines():
        assert line.lower().count("default:") <= 1, line
    assert not ISSUE_WORDS.search(text), ISSUE_WORDS.search(text).group(0)
    assert "DESIGN" not in text


@pytest.mark.parametrize("script", ["satori-evaluate", "satori-summarize"])
def test_no_seed_or_threads_where_they_do_nothing(script, capsys):
    """Tools without torch work offer no --threads; --seed only where something is drawn
    (evaluate's random-pair baseline)."""
    text = _help(script, capsys)
    assert "--log-level" in text
    assert "--threads" not in text
    assert ("--seed" in text) == (script == "satori-evaluate")


def test_seeded_tools_keep_seed(capsys):
    for script in ("satori-train", "satori-simulate", "satori-interpret-raw"):
        text = _help(script, capsys)
        assert "--seed" in text and "--threads" in text
