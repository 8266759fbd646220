import json

from satori.cli.demo import main


def test_demo_runs_the_whole_chain(tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["--outdir", str(out), "--n-seqs", "400", "--max-epochs", "1", "--no-report", "--threads", "1"])
    assert status == 0
    for path in ["simulate/pairs.tsv", "train/model.pt", "train/metrics.json",
                 "filter_motifs/jaspar/filter_motifs.tsv", "filter_motifs/simulation/filter_motifs.tsv",
                 "interpret_raw/jaspar/tf_interactions.tsv", "interpret_raw/simulation/interactions.tsv"]:
        assert (out / path).is_file(), path
    for db in ("jaspar", "simulation"):
        doc = json.loads((out / "evaluate" / db / "evaluation.json").read_text())
        assert doc["db_label"] == db
        assert 0.0 <= doc["recall"] <= 1.0
    # each step's banner is logged under the demo's name, not the previous step's
    banners = [line for line in capsys.readouterr().err.splitlines() if " === " in line]
    assert [b.split(" === ")[1].split(" ")[0] for b in banners] == [
        "simulate", "train", "filter-motifs", "interpret-raw", "evaluate", "filter-motifs", "interpret-raw",
        "evaluate"]
    assert all(" satori-demo INFO === " in b for b in banners), banners


def test_demo_bad_preset_fails_cleanly(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--outdir", str(out), "--preset", "data-99", "--no-report"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert any("satori-simulate: error" in line for line in err)
    assert not (out / "train").exists()
