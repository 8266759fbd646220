"""TomTom wrapper: annotation, both strands, p -> E -> q, numba cache location."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from satori import formats
from satori.motifs.io import Motif
from satori.motifs.tomtom import annotate_filters, compare, default_numba_cache_dir

SRC = str(Path(__file__).resolve().parents[1] / "src")


def one_hot_pwm(seq, eps=0.02):
    p = np.full((len(seq), 4), eps)
    for w, base in enumerate(seq):
        p[w, "ACGT".index(base)] = 1 - 3 * eps
    return p


def revcomp(seq):
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def database():
    rng = np.random.default_rng(7)
    motifs = [Motif("MA1", "Foxa1", one_hot_pwm("TGTTTAC")), Motif("MA2", "GATA4", one_hot_pwm("AGATAAGG"))]
    motifs += [Motif(f"D{i}", f"decoy{i}", rng.dirichlet(np.ones(4) * 0.7, size=8)) for i in range(30)]
    return motifs


def test_annotate_filters_both_strands_and_min_sites():
    db = database()
    filters = [
        Motif("filter0", "filter0", one_hot_pwm("TGTTTAC", 0.05), nsites=50),
        Motif("filter1", "filter1", one_hot_pwm(revcomp("AGATAAGG"), 0.05), nsites=40),
        Motif("filter2", "filter2", one_hot_pwm("TGTTTAC", 0.05), nsites=3),  # too few sites
        Motif("filter3", "filter3", np.full((7, 4), 0.25), nsites=100),  # uninformative
    ]
    table, matches = annotate_filters(filters, np.array([10.0, 12.0, 10.0, 0.0]), db, min_sites=10,
                                      q_threshold=0.05, top_matches=2, threads=1)
    assert list(table.columns) == formats.FILTER_MOTIFS_COLUMNS
    assert list(matches.columns) == formats.FILTER_MATCHES_COLUMNS
    row0, row1, row2, row3 = (table.iloc[i] for i in range(4))
    assert (row0.motif_id, row0.tf, row0.orientation) == ("MA1", "Foxa1", "+")
    assert (row1.motif_id, row1.tf, row1.orientation) == ("MA2", "GATA4", "-")
    assert row0.E == np.float64(row0.p) * len(db) and row0.q <= 0.05
    assert row2.motif_id == "" and row2.n_sites == 3 and np.isnan(row2.p)
    assert row3.motif_id == ""
    assert set(matches["filter"]) == {"filter0", "filter1", "filter3"}
    assert list(matches[matches["filter"] == "filter0"]["rank"]) == [1, 2]


def test_compare_q_is_bh_per_filter():
    db = database()
    res = compare([one_hot_pwm("TGTTTAC"), one_hot_pwm("CCCCAAA")], db, threads=1)
    assert res.p.shape == (2, len(db))
    from satori.interpret.stats import benjamini_hochberg

    np.testing.assert_allclose(res.q[1], benjamini_hochberg(res.p[1]))
    np.testing.assert_allclose(res.E, res.p * len(db))
    assert compare([], db).p.shape == (0, len(db))


def test_numba_cache_dir_default_and_kept(tmp_path):
    code = (
        "import os, numba\n"
        "from satori.motifs.tomtom import ensure_numba_cache_dir\n"
        "print(ensure_numba_cache_dir()); print(numba.core.config.CACHE_DIR)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path), PYTHONPATH=SRC)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    expected = str(tmp_path / "satori" / "numba")
    assert out.stdout.split() == [expected, expected]  # already-imported numba re-reads its config
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == str(tmp_path / "mine")
    assert default_numba_cache_dir().endswith(os.path.join("satori", "numba"))


def test_filter_motifs_pwms_names_a_file_without_a_model(tmp_path, monkeypatch, capsys):
    import pandas as pd

    from satori.cli.filter_motifs import main
    from satori.motifs.io import format_meme

    monkeypatch.setenv("SATORI_CACHE_DIR", str(tmp_path / "cache"))
    db_file = tmp_path / "db.meme"
    db_file.write_text(format_meme(database()))
    query = tmp_path / "streme.meme"
    query.write_text(format_meme([Motif("m1", "m1", one_hot_pwm("ATGTTTACA", 0.05)),
                                  Motif("m2", "m2", np.full((6, 4), 0.25), nsites=3)]))
    out = tmp_path / "out"
    assert main(["--pwms", str(query), "--motif-db", str(db_file), "--outdir", str(out), "--threads", "1"]) == 0
    table = pd.read_csv(out / formats.FILTER_MOTIFS_TSV, sep="\t", keep_default_na=False)
    assert list(table.columns) == formats.FILTER_MOTIFS_COLUMNS
    assert list(table["filter"]) == ["m1", "m2"]
    assert table["tf"].tolist() == ["Foxa1", ""]  # m2: 3 sites < --min-sites, and uninformative
    assert table["n_sites"].iloc[1] == 3
    assert table["cluster_id"].iloc[0].startswith("C") and "Foxa1" in table["cluster_tfs"].iloc[0]
    assert (out / formats.FILTERS_MEME).is_file()
    # --pwms and --model together: one error line, exit 2
    assert main(["--pwms", str(query), "--model", str(tmp_path), "--outdir", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
