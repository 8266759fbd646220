from dataclasses import dataclass

import pytest

from satori import __version__
from satori.cli.common import CommonOptions, DeviceOptions, build_parser, opt, resolve_device, run_cli
from satori.errors import InputError


@dataclass(kw_only=True)
class _Opts(CommonOptions, DeviceOptions):
    fasta: str = opt(help="input FASTA")
    n_seqs: int = opt(10, "number of sequences")


def test_help_shows_defaults(capsys):
    parser = build_parser("satori-demo", _Opts)
    text = parser.format_help()
    assert "--n-seqs" in text and "(default: 10)" in text
    assert "(default: auto)" in text


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli("satori-demo", _Opts, lambda o: 0, argv=["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"satori-demo {__version__}"


def test_input_error_is_one_line_exit_2(capsys):
    def run(o):
        raise InputError(f"{o.fasta}: broken")

    status = run_cli("satori-demo", _Opts, run, argv=["--fasta", "x.fa"])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["satori-demo: error: x.fa: broken"]


def test_options_parsed():
    seen = {}
    run_cli("satori-demo", _Opts, lambda o: seen.update(vars(o)), argv=["--fasta", "a", "--n-seqs", "3", "--seed", "7"])
    assert seen["n_seqs"] == 3 and seen["seed"] == 7 and seen["device"] == "auto"


def test_resolve_device():
    assert str(resolve_device("cpu")) == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(InputError, match="unknown device"):
        resolve_device("tpu")
