import json

import pandas as pd
import pytest
import torch

import satori.train.loop as loop
from satori import __version__, formats
from satori.cli.train import main
from satori.data.fasta import write_fasta
from satori.data.labels import write_labels
from satori.models import load
from satori.train.checkpoint import save_checkpoint
from train_helpers import TINY_MODEL, make_data, write_data

FAST = TINY_MODEL + ["--threads", "1", "--batch-size", "16", "--lr", "3e-3", "--device", "cpu", "--log-level", "WARNING"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_data(tmp_path_factory.mktemp("data"), n=120, length=40, n_labels=2)


def train(fa, lab, outdir, *extra):
    return main(["--fasta", str(fa), "--labels", str(lab), "--outdir", str(outdir), *FAST, *extra])


def weights(model_dir, name=formats.MODEL_PT):
    return torch.load(model_dir / name, weights_only=True)


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_outputs(data, tmp_path):
    fa, lab = data
    out = tmp_path / "model"
    assert train(fa, lab, out, "--max-epochs", "3", "--entropy-lambda", "0.01") == 0
    names = {p.name for p in out.iterdir()}
    assert names == {formats.MODEL_PT, formats.CONFIG_JSON, formats.HISTORY_TSV, formats.METRICS_JSON,
                     formats.PARAMS_JSON, formats.CHECKPOINT_PT}
    model = load(out)
    assert model.config.n_labels == 2 and model.config.label_names == ["y0", "y1"]
    assert model.config.n_filters == 8 and model.config.length == 40
    assert same(weights(out), model.state_dict())
    history = pd.read_csv(out / formats.HISTORY_TSV, sep="\t")
    assert list(history.columns) == formats.HISTORY_COLUMNS and history["epoch"].tolist() == [1, 2, 3]
    metrics = json.loads((out / formats.METRICS_JSON).read_text())
    assert metrics["task"] == "multi-label" and set(metrics["auc_roc"]) == {"y0", "y1"}
    assert set(metrics["auprc"]) == {"y0", "y1"} and 0 <= metrics["mean_auc_roc"] <= 1
    assert metrics["n"] == {"train": 72, "valid": 24, "test": 24}
    assert 1 <= metrics["best_epoch"] <= 3 and metrics["settings"]["entropy_lambda"] == 0.01
    params = json.loads((out / formats.PARAMS_JSON).read_text())
    assert params["satori_version"] == __version__ and params["max_epochs"] == 3
    assert params["resolved"] == {"device": "cpu", "amp": "off", "outdir": str(out)}
    # the checkpoint loads without unpickling arbitrary objects
    ckpt = torch.load(out / formats.CHECKPOINT_PT, weights_only=True)
    assert ckpt["epoch"] == 3 and ckpt["satori_version"] == __version__


def test_seed_gives_identical_weights(data, tmp_path):
    fa, lab = data
    for name in ("a", "b"):
        assert train(fa, lab, tmp_path / name, "--max-epochs", "2", "--seed", "7") == 0
    assert train(fa, lab, tmp_path / "c", "--max-epochs", "2", "--seed", "8") == 0
    assert same(weights(tmp_path / "a"), weights(tmp_path / "b"))
    assert not same(weights(tmp_path / "a"), weights(tmp_path / "c"))


def test_resume_after_a_kill_matches_a_straight_run(data, tmp_path, monkeypatch):
    fa, lab = data
    args = ["--max-epochs", "4", "--patience", "0", "--seed", "3"]
    assert train(fa, lab, tmp_path / "straight", *args) == 0

    # a run killed during epoch 3: checkpoint.pt and history.tsv of epoch 2, no model
    real_epoch, calls = loop.train_epoch, []

    def killed_in_epoch_3(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_epoch(*a, **kw)

    monkeypatch.setattr(loop, "train_epoch", killed_in_epoch_3)
    killed = tmp_path / "killed"
    assert train(fa, lab, killed, *args) == 130
    assert {p.name for p in killed.iterdir()} == {formats.CHECKPOINT_PT, formats.HISTORY_TSV}
    assert len(pd.read_csv(killed / formats.HISTORY_TSV, sep="\t")) == 2
    monkeypatch.setattr(loop, "train_epoch", real_epoch)

    assert main(["--fasta", str(fa), "--labels", str(lab), "--resume", str(killed), *FAST, *args]) == 0
    assert same(weights(tmp_path / "straight"), weights(killed))
    assert pd.read_csv(killed / formats.HISTORY_TSV, sep="\t")["epoch"].tolist() == [1, 2, 3, 4]


def test_resume_with_more_epochs(data, tmp_path):
    fa, lab = data
    args = ["--patience", "0", "--seed", "4"]
    assert train(fa, lab, tmp_path / "straight", "--max-epochs", "4", *args) == 0
    assert train(fa, lab, tmp_path / "two", "--max-epochs", "2", *args) == 0
    assert main(["--fasta", str(fa), "--labels", str(lab), "--resume", str(tmp_path / "two"), *FAST,
                 "--max-epochs", "4", *args]) == 0
    assert same(weights(tmp_path / "straight"), weights(tmp_path / "two"))
    assert same(weights(tmp_path / "straight", formats.CHECKPOINT_PT)["model"],
                weights(tmp_path / "two", formats.CHECKPOINT_PT)["model"])


def test_missing_split_and_length(tmp_path, caplog):
    ids, seqs, frame = make_data(n=60, length=40, with_split=False)
    seqs[0] = seqs[0][:30]
    write_fasta(tmp_path / "s.fa", ids, seqs)
    write_labels(tmp_path / "labels.tsv", frame)
    out = tmp_path / "m"
    assert main(["--fasta", str(tmp_path / "s.fa"), "--labels", str(tmp_path / "labels.tsv"), "--outdir", str(out),
                 *FAST, "--log-level", "INFO", "--max-epochs", "1", "--length", "36", "--seed", "3"]) == 0
    metrics = json.loads((out / formats.METRICS_JSON).read_text())
    assert metrics["split_generated"] and metrics["n"] == {"train": 48, "valid": 6, "test": 6}
    assert metrics["task"] == "binary" and load(out).config.length == 36
    # the interpreters read the data as train did: its seeded split, its --length
    from satori.data.dataset import load_dataset
    from satori.interpret import select
    from satori.schema import Metrics

    assert not [k for k in Metrics.KEYS if k not in metrics]
    trained = select.train_data(out)
    assert (trained.split_seed, trained.fit_length) == (3, 36)
    held_out = load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv", length=36, seed=3)
    test = select.load_dataset(tmp_path / "s.fa", tmp_path / "labels.tsv", "test", 36, 1, trained)
    assert test.ids == [held_out.ids[i] for i in held_out.indices("test").tolist()] and len(test.ids) == 6


def test_fresh_run_refuses_an_existing_model(data, tmp_path, capsys):
    fa, lab = data
    out = tmp_path / "m"
    assert train(fa, lab, out, "--max-epochs", "1") == 0
    before = (out / formats.MODEL_PT).read_bytes()
    capsys.readouterr()
    assert train(fa, lab, out, "--max-epochs", "1", "--seed", "1") == 2
    assert "already holds" in capsys.readouterr().err
    assert (out / formats.MODEL_PT).read_bytes() == before
    assert train(fa, lab, out, "--max-epochs", "1", "--seed", "1", "--overwrite") == 0
    assert (out / formats.MODEL_PT).read_bytes() != before


def _bad_labels(tmp_path, mutate):
    ids, seqs, frame = make_data(n=40, length=40)
    ids, seqs, frame = mutate(ids, seqs, frame)
    write_fasta(tmp_path / "s.fa", ids, seqs)
    write_labels(tmp_path / "labels.tsv", frame)
    return tmp_path / "s.fa", tmp_path / "labels.tsv"


def _mismatch(ids, seqs, frame):
    return ids[:-1] + ["other"], seqs, frame


def _non_binary(ids, seqs, frame):
    frame = frame.copy()
    frame["y0"] = frame["y0"].astype(int)
    frame.loc[0, "y0"] = 3
    return ids, seqs, frame


def _empty_split(ids, seqs, frame):
    frame = frame.copy()
    frame["split"] = frame["split"].replace("test", "train")
    return ids, seqs, frame


def _unequal(ids, seqs, frame):
    return ids, [seqs[0][:20]] + seqs[1:], frame


@pytest.mark.parametrize("mutate, message", [
    (_mismatch, "ids do not match: 1 of 40 labelled ids have no FASTA record ('seq39'); "
                "1 of 40 FASTA records have no label ('other')"),
    (_non_binary, "label column 'y0' must hold 0/1"),
    (_empty_split, "split 'test' is empty"),
    (_unequal, "different lengths"),
])
def test_bad_input_one_line_exit_2_no_outdir(tmp_path, capsys, mutate, message):
    fa, lab = _bad_labels(tmp_path, mutate)
    out = tmp_path / "m"
    assert train(fa, lab, out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("satori-train: error: ") and message in err[0]
    assert not out.exists()


@pytest.mark.parametrize("extra, message", [
    (["--device", "tpu"], "unknown device"),
    (["--amp", "bf16"], "needs a CUDA device"),
    (["--lr", "0"], "--lr must be > 0"),
    (["--filter-width", "39"], "too short"),
])
def test_bad_options(data, tmp_path, capsys, extra, message):
    fa, lab = data
    out = tmp_path / "m"
    assert train(fa, lab, out, *extra) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()


def test_outdir_or_resume_required(data, capsys):
    fa, lab = data
    assert main(["--fasta", str(fa), "--labels", str(lab), *FAST]) == 2
    assert "--outdir is required" in capsys.readouterr().err


def test_bad_resume(data, tmp_path, capsys):
    fa, lab = data
    run_dir = tmp_path / "run"
    assert train(fa, lab, run_dir, "--max-epochs", "1") == 0
    files = {p.name: p.read_bytes() for p in run_dir.iterdir()}

    def resume(*extra):
        capsys.readouterr()
        status = main(["--fasta", str(fa), "--labels", str(lab), "--resume", str(run_dir), *FAST,
                       "--max-epochs", "2", *extra])
        return status, capsys.readouterr().err

    status, err = resume("--n-filters", "12")
    assert status == 2 and "different architecture" in err and "n_filters=8 (now 12)" in err
    status, err = resume("--lr", "0.1")
    assert status == 2 and "other settings" in err and "lr=0.003 (now 0.1)" in err
    other_labels = tmp_path / "labels2.tsv"
    frame = pd.read_csv(lab, sep="\t")
    frame.loc[0, "y0"] = 1 - frame.loc[0, "y0"]
    frame.to_csv(other_labels, sep="\t", index=False)
    capsys.readouterr()
    assert main(["--fasta", str(fa), "--labels", str(other_labels), "--resume", str(run_dir), *FAST]) == 2
    assert "differ from those the checkpoint" in capsys.readouterr().err

    ckpt = torch.load(run_dir / formats.CHECKPOINT_PT, weights_only=True)
    ckpt["satori_version"] = "0.0.1"
    torch.save(ckpt, run_dir / formats.CHECKPOINT_PT)
    status, err = resume()
    assert status == 2 and "satori 0.0.1" in err
    ckpt["satori_version"] = __version__
    save_checkpoint(run_dir / formats.CHECKPOINT_PT, ckpt)  # restores the right version...
    ckpt = torch.load(run_dir / formats.CHECKPOINT_PT, weights_only=True)
    ckpt["format"] = 99
    torch.save(ckpt, run_dir / formats.CHECKPOINT_PT)
    status, err = resume()
    assert status == 2 and "format 99" in err
    torch.save({"x": object.__new__(_Pickled)}, run_dir / formats.CHECKPOINT_PT)  # needs unpickling
    status, err = resume()
    assert status == 2 and "cannot load checkpoint" in err
    (run_dir / formats.CHECKPOINT_PT).unlink()
    status, err = resume()
    assert status == 2 and "no checkpoint.pt" in err
    status, err = resume("--outdir", str(tmp_path / "elsewhere"))
    assert status == 2 and "own directory" in err
    # nothing else in the run directory was touched by the refused resumes
    for name, content in files.items():
        if name != formats.CHECKPOINT_PT:
            assert (run_dir / name).read_bytes() == content


class _Pickled:
    pass


def test_crash_before_first_checkpoint_leaves_nothing(data, tmp_path, monkeypatch):
    fa, lab = data

    def crash(*a, **kw):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(loop, "train_epoch", crash)
    with pytest.raises(RuntimeError):
        train(fa, lab, tmp_path / "m")
    assert not (tmp_path / "m").exists()
