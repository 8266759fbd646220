"""End to end on a tiny planted model: filter-motifs -> interpret-raw -> evaluate, and bad input."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from _interp_data import MOTIF0, MOTIF1, centre_readout, planted_dataset, planted_model, write_dataset
from satori import formats
from satori.cli import evaluate as cli_evaluate
from satori.cli import filter_motifs as cli_fm
from satori.cli import interpret_raw as cli_raw
from satori.data.onehot import one_hot
from satori.models import save
from satori.motifs.io import Motif, write_meme


def _pwm(seq):
    p = np.full((len(seq), 4), 0.02)
    for w, base in enumerate(seq):
        p[w, "ACGT".index(base)] = 0.94
    return p


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("interp")
    ids, seqs, planted = planted_dataset(n_pos=120, n_neg=120)
    model = planted_model()
    centre_readout(model, one_hot(seqs))
    save(tmp / "model", model)
    write_dataset(tmp, ids, seqs, planted)
    rng = np.random.default_rng(5)
    db = [Motif("MA0", "Tf0", _pwm(MOTIF0)), Motif("MA1", "TF1", _pwm(MOTIF1))]
    db += [Motif(f"D{i}", f"decoy{i}", rng.dirichlet(np.ones(4), size=8)) for i in range(30)]
    write_meme(tmp / "db.meme", db)
    pd.DataFrame({"tf1": ["tf0"], "tf2": ["TF1"], "motif1": ["MA0"], "motif2": ["MA1"]}).to_csv(
        tmp / "pairs.tsv", sep="\t", index=False)
    return tmp


def _common(w):
    return ["--model", str(w / "model"), "--fasta", str(w / "seqs.fa.gz"), "--labels", str(w / "labels.tsv"),
            "--threads", "1", "--device", "cpu"]


def _one_error_line(capsys, prog):
    err = [line for line in capsys.readouterr().err.strip().splitlines() if ": error:" in line or "Traceback" in line]
    assert len(err) == 1 and err[0].startswith(f"{prog}: error:"), err
    return err[0]


def test_pipeline_end_to_end(workdir, capsys):
    w = workdir
    assert cli_fm.main(_common(w) + ["--outdir", str(w / "fm"), "--motif-db", str(w / "db.meme")]) == 0
    fm = pd.read_csv(w / "fm" / formats.FILTER_MOTIFS_TSV, sep="\t", keep_default_na=False)
    assert list(fm.columns) == formats.FILTER_MOTIFS_COLUMNS and len(fm) == 6
    assert list(fm.tf[:2]) == ["Tf0", "TF1"] and list(fm.orientation[:2]) == ["+", "+"]
    assert (fm.tf[2:] == "").all() and (fm.n_sites[2:] == 0).all()
    assert (w / "fm" / formats.FILTERS_MEME).read_text().count("MOTIF filter") == 6
    matches = pd.read_csv(w / "fm" / formats.FILTER_MATCHES_TSV, sep="\t")
    assert list(matches.columns) == formats.FILTER_MATCHES_COLUMNS and len(matches) == 6
    params = json.loads((w / "fm" / formats.PARAMS_JSON).read_text())
    assert params["options"]["min_sites"] == 10 and params["summary"]["n_annotated"] == 2

    for compare in ("all", "present"):
        out = w / f"raw-{compare}"
        assert cli_raw.main(_common(w) + ["--filter-motifs", str(w / "fm" / formats.FILTER_MOTIFS_TSV),
                                          "--outdir", str(out), "--compare", compare, "--min-fg", "3"]) == 0
        inter = pd.read_csv(out / formats.INTERACTIONS_TSV, sep="\t", keep_default_na=False)
        assert list(inter.columns) == formats.INTERACTIONS_COLUMNS
        tf = pd.read_csv(out / formats.TF_INTERACTIONS_TSV, sep="\t", keep_default_na=False)
        assert list(tf.columns) == formats.TF_INTERACTIONS_COLUMNS
        cl = pd.read_csv(out / formats.CLUSTER_INTERACTIONS_TSV, sep="\t", keep_default_na=False)
        assert list(cl.columns) == formats.CLUSTER_INTERACTIONS_COLUMNS
        assert set(tf.cluster1) <= set(fm.cluster_name) and len(cl) <= len(tf)
    # negatives carry one motif each: the pair is absent in the background, testable only with --compare all
    inter = pd.read_csv(w / "raw-all" / formats.INTERACTIONS_TSV, sep="\t", keep_default_na=False)
    row = inter[(inter.filter_a == "filter0") & (inter.filter_b == "filter1")].iloc[0]
    assert row.flag == "" and row.q < 1e-6 and row.method == "attn-raw" and row.n_bg_present == 0
    assert row.median_fg > 0.9 and 30 <= row.distance <= 60
    assert set(inter.flag) <= {"", "same_tf,same_filter"}

    assert cli_evaluate.main(["--interactions", str(w / "raw-all" / formats.TF_INTERACTIONS_TSV),
                              "--truth", str(w / "pairs.tsv"), "--outdir", str(w / "ev"),
                              "--db-label", "simulation"]) == 0
    ev = json.loads((w / "ev" / formats.EVALUATION_JSON).read_text())
    assert (ev["precision"], ev["recall"], ev["f1"]) == (1.0, 1.0, 1.0)


def test_help_mentions_numba_compilation(capsys):
    with pytest.raises(SystemExit):
        cli_fm.main(["--help"])
    text = capsys.readouterr().out
    assert "compiles" in text and "NUMBA_CACHE_DIR" in text and "(default: 0.65)" in text


def test_length_mismatch_and_bad_motif_file(workdir, tmp_path, capsys):
    w = workdir
    from satori.data.fasta import write_fasta

    ids, seqs, planted = planted_dataset(n_pos=3, n_neg=3, length=50)
    write_fasta(tmp_path / "short.fa", ids, seqs)
    pd.DataFrame({"id": ids, "split": "test", "y": planted.astype(int)}).to_csv(tmp_path / "l.tsv", sep="\t", index=False)
    args = ["--model", str(w / "model"), "--fasta", str(tmp_path / "short.fa"), "--labels", str(tmp_path / "l.tsv"),
            "--outdir", str(tmp_path / "o1"), "--motif-db", str(w / "db.meme")]
    assert cli_fm.main(args) == 2
    assert "expects 60 bp" in _one_error_line(capsys, "satori-filter-motifs")
    assert not (tmp_path / "o1").exists()

    bad = tmp_path / "bad.meme"
    bad.write_text("MOTIF x\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 0 0\n")
    assert cli_fm.main(_common(w) + ["--outdir", str(tmp_path / "o2"), "--motif-db", str(bad)]) == 2
    assert "bad.meme" in _one_error_line(capsys, "satori-filter-motifs")
    assert not (tmp_path / "o2").exists()


def test_interpret_raw_bad_input(workdir, tmp_path, capsys):
    w = workdir
    fm = w / "fm" / formats.FILTER_MOTIFS_TSV
    if not fm.exists():
        assert cli_fm.main(_common(w) + ["--outdir", str(w / "fm"), "--motif-db", str(w / "db.meme")]) == 0
    # a filter table of another model
    other = tmp_path / "other.tsv"
    pd.read_csv(fm, sep="\t").head(4).to_csv(other, sep="\t", index=False)
    assert cli_raw.main(_common(w) + ["--filter-motifs", str(other), "--outdir", str(tmp_path / "o")]) == 2
    assert "has 6" in _one_error_line(capsys, "satori-interpret-raw")
    # a bad cutoff
    assert cli_raw.main(_common(w) + ["--filter-motifs", str(fm), "--outdir", str(tmp_path / "o"),
                                      "--attn-cutoff", "big"]) == 2
    assert "--attn-cutoff" in _one_error_line(capsys, "satori-interpret-raw")
    # a model producing NaN
    from satori.models import load

    model = load(w / "model")
    with torch.no_grad():
        model.conv[0].bias.fill_(float("nan"))
    save(tmp_path / "nan-model", model)
    args = _common(w)
    args[1] = str(tmp_path / "nan-model")
    assert cli_raw.main(args + ["--filter-motifs", str(fm), "--outdir", str(tmp_path / "o")]) == 2
    assert "NaN" in _one_error_line(capsys, "satori-interpret-raw")
    assert not (tmp_path / "o").exists()


def test_no_foreground_writes_headers_and_exits_0(workdir, tmp_path, capsys):
    w = workdir
    labels = pd.read_csv(w / "labels.tsv", sep="\t")
    labels["y"] = 0
    labels.to_csv(tmp_path / "neg.tsv", sep="\t", index=False)
    args = ["--model", str(w / "model"), "--fasta", str(w / "seqs.fa.gz"), "--labels", str(tmp_path / "neg.tsv"),
            "--threads", "1"]
    fm = w / "fm" / formats.FILTER_MOTIFS_TSV
    if not fm.exists():
        assert cli_fm.main(_common(w) + ["--outdir", str(w / "fm"), "--motif-db", str(w / "db.meme")]) == 0
    assert cli_raw.main(args + ["--filter-motifs", str(fm), "--outdir", str(tmp_path / "o")]) == 0
    assert "no foreground sequence" in capsys.readouterr().err
    text = (tmp_path / "o" / formats.INTERACTIONS_TSV).read_text()
    assert text.strip() == "\t".join(formats.INTERACTIONS_COLUMNS)
    text = (tmp_path / "o" / formats.TF_INTERACTIONS_TSV).read_text()
    assert text.strip() == "\t".join(formats.TF_INTERACTIONS_COLUMNS)
    params = json.loads((tmp_path / "o" / formats.PARAMS_JSON).read_text())
    assert params["summary"]["warning"] == "empty foreground"
    # filter-motifs on the same input: every filter unannotated, exit 0
    assert cli_fm.main(args + ["--outdir", str(tmp_path / "fm"), "--motif-db", str(w / "db.meme")]) == 0
    table = pd.read_csv(tmp_path / "fm" / formats.FILTER_MOTIFS_TSV, sep="\t", keep_default_na=False)
    assert (table.n_sites == 0).all() and (table.motif_id == "").all()
