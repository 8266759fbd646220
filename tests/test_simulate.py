"""satori.simulate: spec conformance measured on small generated datasets, plus unit tests.

The datasets are a few hundred sequences, so the whole file runs in seconds. Each
property is recomputed from the written files (sequences.fa.gz, implants.tsv, ...),
not taken from the simulator's own bookkeeping.
"""

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satori import formats
from satori.cli.simulate import main
from satori.data.fasta import read_fasta
from satori.data.labels import read_labels
from satori.errors import InputError
from satori.motifs.io import Motif, log_odds, read_meme, write_meme
from satori.simulate import dataset as D
from satori.simulate.motifs import (
    choose_motifs, choose_pairs, pwm_similarity, similarity_to_set, tf_name_parts,
)
from satori.simulate.presets import PRESETS, resolve
from satori.simulate.sample import (
    parse_background, reverse_complement_codes, sample_background, sample_instances, score_instances,
)

ROOT = Path(__file__).resolve().parents[1]
BG = (0.295, 0.205, 0.205, 0.295)
OUTPUTS = [formats.SEQUENCES_FA, formats.LABELS_TSV, formats.PAIRS_TSV, formats.MOTIFS_MEME,
           formats.IMPLANTS_TSV, formats.PARAMS_JSON]


def random_motifs(n, rng, wmin=6, wmax=12, conc=0.3):
    """n random motifs (Dirichlet columns, fairly sharp) with distinct names."""
    out = []
    for i in range(n):
        w = int(rng.integers(wmin, wmax + 1))
        out.append(Motif(f"M{i:03d}", f"TF{i}", rng.dirichlet([conc] * 4, size=w), 20))
    return out


@pytest.fixture(scope="module")
def meme_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "db.meme"
    write_meme(path, random_motifs(10, np.random.default_rng(5)))
    return path


def run_ok(args, capsys=None):
    status = main([str(a) for a in args])
    assert status == 0
    return status


def load(outdir):
    """Every output of a simulation as Python objects."""
    outdir = Path(outdir)
    ids, seqs = read_fasta(outdir / formats.SEQUENCES_FA)
    labels = read_labels(outdir / formats.LABELS_TSV)
    implants = pd.read_csv(outdir / formats.IMPLANTS_TSV, sep="\t", dtype={"id": str})
    pairs = pd.read_csv(outdir / formats.PAIRS_TSV, sep="\t", dtype=str)
    motifs = {m.id: m for m in read_meme(outdir / formats.MOTIFS_MEME)}
    params = json.loads((outdir / formats.PARAMS_JSON).read_text())
    return dict(ids=ids, seqs=dict(zip(ids, seqs)), labels=labels, implants=implants, pairs=pairs,
                motifs=motifs, params=params, settings=params["settings"])


@pytest.fixture(scope="module")
def sim_meme(tmp_path_factory, meme_file):
    """200 x 300 bp from a 10-motif MEME file: 8 TFs, 10 pairs, data-40 layout rules."""
    out = tmp_path_factory.mktemp("sim") / "meme"
    run_ok(["--outdir", out, "--motif-db", meme_file, "--n-seqs", 200, "--n-tfs", 8, "--n-pairs", 10,
            "--seed", 3])
    return load(out)


@pytest.fixture(scope="module")
def sim_jaspar(tmp_path_factory):
    """data-40 from the bundled JASPAR2024, 200 sequences."""
    out = tmp_path_factory.mktemp("sim") / "jaspar"
    run_ok(["--outdir", out, "--preset", "data-40", "--n-seqs", 200, "--seed", 1])
    return load(out)


@pytest.fixture(scope="module")
def sim_long(tmp_path_factory):
    """long-1500 from the bundled JASPAR2024, 60 sequences."""
    out = tmp_path_factory.mktemp("sim") / "long"
    run_ok(["--outdir", out, "--preset", "long-1500", "--n-seqs", 60, "--seed", 2])
    return load(out)


ALL = ["sim_meme", "sim_jaspar", "sim_long"]


def revcomp(s):
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


# --- spec conformance on generated data ------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_lengths_and_ids(name, request):
    sim = request.getfixturevalue(name)
    s = sim["settings"]
    assert len(sim["ids"]) == s["n_seqs"]
    assert {len(x) for x in sim["seqs"].values()} == {s["length"]}
    assert set("".join(sim["seqs"].values())) <= set("ACGT")
    assert list(sim["labels"]["id"]) == sim["ids"]
    assert sim["ids"][0] == "seq000001"


@pytest.mark.parametrize("name", ALL)
def test_balance_and_split_proportions(name, request):
    sim = request.getfixturevalue(name)
    lab = sim["labels"]
    n = len(lab)
    assert list(lab.columns) == ["id", "split", "label"]
    assert lab["label"].sum() == n // 2
    fractions = sim["settings"]["split_fractions"]
    for cls in (0, 1):
        sub = lab[lab["label"] == cls]
        counts = sub["split"].value_counts()
        for frac, split in zip(fractions, formats.SPLITS):
            assert abs(counts.get(split, 0) - frac * len(sub)) <= 1, (cls, split)
    # shuffled: the splits are not contiguous blocks of ids
    assert (lab["split"] != lab["split"].shift()).sum() > 10


@pytest.mark.parametrize("name", ALL)
def test_every_instance_scores_at_least_half_max(name, request):
    sim = request.getfixturevalue(name)
    imp = sim["implants"]
    bg = sim["settings"]["background"]
    assert len(imp) > 0
    assert set(imp["strand"]) == {"+", "-"}
    for row in imp.itertuples(index=False):
        motif = sim["motifs"][row.motif]
        assert row.tf == motif.name
        assert row.end - row.start == motif.width
        kmer = sim["seqs"][row.id][row.start:row.end]
        if row.strand == "-":
            kmer = revcomp(kmer)
        lo = log_odds(motif.pwm, bg)
        score = sum(lo[i, "ACGT".index(b)] for i, b in enumerate(kmer))
        assert score >= 0.5 * lo.max(axis=1).sum() - 1e-9, (row, score)


@pytest.mark.parametrize("name", ALL)
def test_positive_pairs(name, request):
    """Positives: pairs_min..pairs_max distinct pairs from pairs.tsv, partners gap apart,
    pairs not overlapping; every implant of a positive belongs to a pair."""
    sim = request.getfixturevalue(name)
    s = sim["settings"]
    pairs = sim["pairs"]
    imp = sim["implants"]
    positives = set(sim["labels"].loc[sim["labels"]["label"] == 1, "id"])
    pos_imp = imp[imp["id"].isin(positives)]
    assert (pos_imp["pair"] >= 0).all()
    assert set(imp.loc[imp["pair"] >= 0, "id"]) == positives
    gaps, motif1_first = [], []
    for sid, group in pos_imp.groupby("id"):
        n_pairs = group["pair"].nunique()
        assert s["pairs_min"] <= n_pairs <= s["pairs_max"]
        assert len(group) == 2 * n_pairs
        spans = []
        for p, members in group.groupby("pair"):
            assert len(members) == 2
            a, b = members.sort_values("start").itertuples(index=False)
            row = pairs.iloc[p]
            assert {a.motif, b.motif} == {row.motif1, row.motif2}
            assert {a.tf, b.tf} == {row.tf1, row.tf2}
            gap = b.start - a.end
            assert s["gap_min"] <= gap <= s["gap_max"]
            gaps.append(gap)
            motif1_first.append(a.motif == row.motif1)
            spans.append((a.start, b.end))
        spans.sort()
        for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
            assert s2 >= e1, f"{sid}: pairs overlap"
    # the whole gap range is used, not one value; the partners come in either order
    assert min(gaps) < max(gaps)
    assert 0.3 < np.mean(motif1_first) < 0.7


@pytest.mark.parametrize("name", ALL)
def test_negative_spacing(name, request):
    sim = request.getfixturevalue(name)
    s = sim["settings"]
    negatives = set(sim["labels"].loc[sim["labels"]["label"] == 0, "id"])
    neg_imp = sim["implants"][sim["implants"]["id"].isin(negatives)]
    assert (neg_imp["pair"] == D.NO_PAIR).all()
    counts = neg_imp.groupby("id").size().reindex(sorted(negatives), fill_value=0)
    assert counts.min() >= s["neg_motifs_min"] and counts.max() <= s["neg_motifs_max"]
    assert counts.nunique() > 1
    for _, group in neg_imp.groupby("id"):
        g = group.sort_values("start")
        assert g["motif"].is_unique
        spacing = g["start"].to_numpy()[1:] - g["end"].to_numpy()[:-1]
        assert (spacing >= s["neg_spacing"]).all()


@pytest.mark.parametrize("name", ALL)
def test_pair_set_and_motifs(name, request):
    sim = request.getfixturevalue(name)
    s = sim["settings"]
    pairs, motifs = sim["pairs"], sim["motifs"]
    assert list(pairs.columns) == formats.PAIRS_COLUMNS + formats.PAIRS_CLUSTER_COLUMNS
    assert len(pairs) == s["n_pairs"]
    assert len(motifs) == s["n_tfs"]
    unordered = {frozenset((r.motif1, r.motif2)) for r in pairs.itertuples()}
    assert len(unordered) == len(pairs) and all(len(u) == 2 for u in unordered)
    assert set(pairs["motif1"]) | set(pairs["motif2"]) == set(motifs)
    names = [p for m in motifs.values() for p in tf_name_parts(m.name)]
    assert len(names) == len(set(names))
    # TF column consistent with the motif's name
    for r in pairs.itertuples():
        assert motifs[r.motif1].name == r.tf1 and motifs[r.motif2].name == r.tf2
    # implants use only the chosen motifs
    assert set(sim["implants"]["motif"]) <= set(motifs)


def test_long_preset_settings_and_clusters(sim_long):
    s = sim_long["settings"]
    assert (s["length"], s["n_tfs"], s["n_pairs"], s["gap_min"], s["gap_max"], s["pairs_min"],
            s["pairs_max"]) == (1500, 40, 80, 8, 80, 3, 5)
    pwms = [m.pwm for m in sim_long["motifs"].values()]
    for i, pwm in enumerate(pwms):
        assert similarity_to_set(pwm, pwms[:i] + pwms[i + 1:]).max() <= s["max_similarity"]


def test_params_record_everything(sim_jaspar):
    p = sim_jaspar["params"]
    assert p["seed"] == 1 and p["preset"] == "data-40"
    assert p["motif_source"]["jaspar_release"] == "JASPAR2024"
    assert p["settings"]["n_seqs"] == 200 and p["settings"]["n_tfs"] == 20
    assert p["settings"]["background"] == list(BG)
    assert p["satori_version"]


def test_same_seed_same_bytes(tmp_path, meme_file):
    args = ["--motif-db", meme_file, "--n-seqs", 120, "--n-tfs", 6, "--n-pairs", 6, "--seed", 11]
    run_ok(["--outdir", tmp_path / "a"] + args)
    run_ok(["--outdir", tmp_path / "b"] + args)
    run_ok(["--outdir", tmp_path / "c"] + args[:-1] + [12])
    for name in OUTPUTS:
        a, b = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        if name == formats.PARAMS_JSON:
            a, b = (json.loads(x) for x in (a, b))
            assert a.pop("outdir") != b.pop("outdir")
        assert a == b, name
    assert (tmp_path / "a" / formats.SEQUENCES_FA).read_bytes() != (tmp_path / "c" / formats.SEQUENCES_FA).read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(OUTPUTS)


def test_more_sequences_keep_motifs_and_pairs(tmp_path, meme_file):
    args = ["--motif-db", meme_file, "--n-tfs", 6, "--n-pairs", 6, "--seed", 4]
    run_ok(["--outdir", tmp_path / "a", "--n-seqs", 40] + args)
    run_ok(["--outdir", tmp_path / "b", "--n-seqs", 80] + args)
    for name in (formats.PAIRS_TSV, formats.MOTIFS_MEME):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_overrides_apply(tmp_path, meme_file):
    out = tmp_path / "o"
    run_ok(["--outdir", out, "--motif-db", meme_file, "--n-seqs", 100, "--length", 200, "--n-tfs", 5,
            "--n-pairs", 4, "--gap-min", 2, "--gap-max", 4, "--pairs-min", 1, "--pairs-max", 2,
            "--neg-motifs-min", 2, "--neg-motifs-max", 2, "--neg-spacing", 10,
            "--background", "0.25,0.25,0.25,0.25", "--split-fractions", "0.6,0.2,0.2"])
    sim = load(out)
    s = sim["settings"]
    assert (s["length"], s["n_tfs"], s["n_pairs"], s["gap_min"], s["gap_max"], s["neg_spacing"]) == (200, 5, 4, 2, 4, 10)
    assert len(sim["pairs"]) == 4 and len(sim["motifs"]) == 5
    assert {len(x) for x in sim["seqs"].values()} == {200}
    assert (sim["labels"]["split"] == "valid").sum() == 20
    pos = sim["implants"][sim["implants"]["pair"] >= 0].sort_values(["id", "pair", "start"])
    first, second = pos.iloc[::2], pos.iloc[1::2]
    gaps = second["start"].to_numpy() - first["end"].to_numpy()
    assert gaps.min() >= 2 and gaps.max() <= 4
    assert set(pos.groupby("id")["pair"].nunique()) == {1, 2}
    neg = sim["implants"][sim["implants"]["pair"] == -1]
    assert (neg.groupby("id").size() == 2).all()


def test_background_composition(tmp_path, meme_file):
    """Bases outside implants follow --background."""
    out = tmp_path / "bg"
    run_ok(["--outdir", out, "--motif-db", meme_file, "--n-seqs", 200, "--n-tfs", 4, "--n-pairs", 3,
            "--background", "0.4,0.1,0.1,0.4"])
    sim = load(out)
    mask = {i: np.ones(len(s), bool) for i, s in sim["seqs"].items()}
    for r in sim["implants"].itertuples():
        mask[r.id][r.start:r.end] = False
    text = np.frombuffer("".join(sim["seqs"].values()).encode(), np.uint8)
    keep = np.concatenate([mask[i] for i in sim["seqs"]])
    freq = np.array([(text[keep] == ord(b)).mean() for b in "ACGT"])
    assert np.allclose(freq, [0.4, 0.1, 0.1, 0.4], atol=0.01)


@pytest.fixture(scope="module")
def sim_decoy(tmp_path_factory, meme_file):
    """As sim_meme with 6 pairs (every TF at most 3 partners of 7, so each can get as many
    non-partners), half the negatives decoys."""
    out = tmp_path_factory.mktemp("sim") / "decoy"
    run_ok(["--outdir", out, "--motif-db", meme_file, "--n-seqs", 200, "--n-tfs", 8, "--n-pairs", 6,
            "--seed", 3, "--decoys", 0.5])
    return load(out)


def test_decoy_negatives(sim_decoy):
    """--decoys 0.5: half the negatives hold pairs_min..pairs_max distinct non-interacting TF
    pairs, partners gap_min..gap_max apart, marked pair -1; the rest are the paper's negatives;
    positives keep their rules."""
    s = sim_decoy["settings"]
    assert s["decoy_fraction"] == 0.5
    interacting = {frozenset((r.tf1, r.tf2)) for r in sim_decoy["pairs"].itertuples()}
    labels = sim_decoy["labels"]
    negatives = sorted(labels.loc[labels["label"] == 0, "id"])
    imp = sim_decoy["implants"]
    neg_imp = imp[imp["id"].isin(negatives)]
    assert (neg_imp["pair"] == D.NO_PAIR).all()
    decoys, lone, gaps = 0, 0, []
    for _, group in neg_imp.groupby("id"):
        g = group.sort_values("start")
        if len(g) <= s["neg_motifs_max"] and g["motif"].is_unique and (
                (g["start"].to_numpy()[1:] - g["end"].to_numpy()[:-1]) >= s["neg_spacing"]).all():
            lone += 1
            continue
        decoys += 1
        assert len(g) % 2 == 0 and s["pairs_min"] <= len(g) // 2 <= s["pairs_max"]
        seen = set()
        for a, b in zip(g.iloc[::2].itertuples(), g.iloc[1::2].itertuples()):
            tfs = frozenset((a.tf, b.tf))
            assert len(tfs) == 2 and tfs not in interacting and tfs not in seen
            seen.add(tfs)
            gaps.append(b.start - a.end)
    assert decoys == round(0.5 * len(negatives))
    # each TF about as frequent in decoys as in positives (its share of the implants)
    positives = set(labels.loc[labels["label"] == 1, "id"])
    dec_ids = {i for i, g in neg_imp.groupby("id") if len(g) > s["neg_motifs_max"]}
    share = lambda ids: imp[imp["id"].isin(ids)]["tf"].value_counts(normalize=True)
    diff = (share(positives) - share(dec_ids)).fillna(1.0).abs()
    assert diff.max() < 0.08, diff
    assert lone + decoys == len(set(neg_imp["id"])) and lone > 0
    assert min(gaps) >= s["gap_min"] and max(gaps) <= s["gap_max"] and min(gaps) < max(gaps)
    # positives unaffected: every implant of a positive belongs to a true pair
    positives = set(labels.loc[labels["label"] == 1, "id"])
    assert set(imp.loc[imp["pair"] >= 0, "id"]) == positives


def test_decoys_zero_is_the_paper_layout(tmp_path, meme_file):
    """--decoys 0 draws nothing extra: the same bytes as without the flag."""
    args = ["--motif-db", meme_file, "--n-seqs", 80, "--n-tfs", 6, "--n-pairs", 6, "--seed", 5]
    run_ok(["--outdir", tmp_path / "a"] + args)
    run_ok(["--outdir", tmp_path / "b", "--decoys", 0] + args)
    for name in (formats.SEQUENCES_FA, formats.IMPLANTS_TSV, formats.LABELS_TSV):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_non_partner_pairs_matches_reference():
    rng = np.random.default_rng(2)
    pairs = np.array(sorted({tuple(sorted(rng.choice(9, 2, replace=False))) for _ in range(12)}))
    got = D.non_partner_pairs(9, pairs[:, ::-1].copy())  # order within a pair does not matter
    want = [(i, j) for i in range(9) for j in range(i + 1, 9) if (i, j) not in set(map(tuple, pairs))]
    assert got.tolist() == [list(x) for x in want]


# --- error paths --------------------------------------------------------------------

BAD = [
    (["--n-tfs", 4, "--n-pairs", 7], "only 6 unordered pairs"),
    (["--n-pairs", 3], "at least 4 pairs"),
    (["--length", 40], "--length 40 is too short"),
    (["--length", 100, "--neg-motifs-max", 3, "--pairs-max", 1, "--pairs-min", 1], "of a negative"),
    (["--preset", "data-99"], "unknown preset"),
    (["--n-tfs", 11], "fewer than --n-tfs 11"),
    (["--background", "0.3,0.2,0.5"], "--background"),
    (["--background", "0.3,0.2,0.2,0.2"], "sum to 1"),
    (["--background", "0.5,-0.1,0.3,0.3"], "positive"),
    (["--background", "a,b,c,d"], "--background"),
    (["--split-fractions", "0.8,0.1"], "--split-fractions"),
    (["--split-fractions", "0.8,0.3,0.1"], "sum to 1"),
    (["--split-fractions", "0.9,0.2,-0.1"], "non-negative"),
    (["--n-seqs", 6], "too small for --split-fractions"),
    (["--n-seqs", 1], "--n-seqs"),
    (["--pairs-max", 20, "--n-pairs", 10], "--pairs-max 20 exceeds --n-pairs 10"),
    (["--gap-min", 9, "--gap-max", 3], "--gap-min"),
    (["--neg-motifs-max", 12, "--n-tfs", 8], "--neg-motifs-max"),
    (["--decoys", 1.5], "--decoys must lie in [0, 1]"),
    (["--decoys", -0.1], "--decoys must lie in [0, 1]"),
    (["--decoys", 0.5, "--n-tfs", 4, "--n-pairs", 5], "non-interacting TF pairs"),
    (["--decoys", 0.5, "--n-pairs", 10], "cannot get as many non-partners"),
]


@pytest.mark.parametrize("extra,message", BAD)
def test_bad_settings_exit_2_one_line_no_outdir(tmp_path, meme_file, capsys, extra, message):
    out = tmp_path / "never"
    base = ["--outdir", out, "--motif-db", meme_file, "--n-seqs", 100, "--n-tfs", 8, "--n-pairs", 10]
    status = main([str(a) for a in base + extra])
    assert status == 2
    assert message in error_line(capsys)
    assert not out.exists()


def error_line(capsys):
    """The one error line on stderr (log lines aside); fails on a traceback or several lines."""
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Warning" not in err
    lines = [x for x in err.strip().splitlines() if " INFO " not in x]
    assert len(lines) == 1 and lines[0].startswith("satori-simulate: error: "), lines
    return lines[0]


@pytest.mark.parametrize("extra,message", [
    (["--jaspar-release", "JASPAR1999"], "unknown JASPAR release"),
    (["--jaspar-tax-group", "martians"], "no motifs"),
    (["--motif-db", "/nonexistent/x.meme"], "not found"),
])
def test_bad_motif_source(tmp_path, capsys, extra, message):
    out = tmp_path / "never"
    status = main([str(a) for a in ["--outdir", out, "--n-seqs", 100] + extra])
    assert status == 2 and message in error_line(capsys)
    assert not out.exists()


def test_unreadable_motif_file(tmp_path, capsys):
    bad = tmp_path / "bad.meme"
    bad.write_bytes(b"\x00\x01 this is not MEME\n")
    status = main(["--outdir", str(tmp_path / "never"), "--motif-db", str(bad)])
    assert status == 2 and "no motifs found" in error_line(capsys)
    assert not (tmp_path / "never").exists()


def test_existing_outdir_untouched_on_error(tmp_path, meme_file, capsys):
    out = tmp_path / "keep"
    out.mkdir()
    (out / "other.txt").write_text("x")
    assert main(["--outdir", str(out), "--motif-db", str(meme_file), "--length", "10"]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["other.txt"]


def test_bin_wrapper_runs():
    res = subprocess.run([sys.executable, str(ROOT / "bin" / "satori-simulate"), "--version"],
                         capture_output=True, text=True, check=True)
    assert res.stdout.startswith("satori-simulate ")


def test_help_lists_contract_flags(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for flag in ["--outdir", "--preset", "--n-seqs", "--length", "--n-tfs", "--n-pairs", "--gap-min",
                 "--gap-max", "--pairs-min", "--pairs-max", "--neg-motifs-min", "--neg-motifs-max",
                 "--neg-spacing", "--background", "--jaspar-release", "--jaspar-collection",
                 "--jaspar-tax-group", "--motif-db", "--split-fractions", "--seed", "--threads", "--decoys"]:
        assert flag in text, flag


# --- units: vectorised code against slow references -----------------------------------

def slow_similarity(a, b):
    """pwm_similarity written as plain loops over strands and offsets."""
    def unit(p):
        z = p - 0.25
        n = np.linalg.norm(z, axis=1, keepdims=True)
        return np.where(n > 1e-12, z / np.where(n > 1e-12, n, 1), 0.0)

    ua = unit(a)
    best = -np.inf
    for bb in (b, b[::-1, ::-1]):
        ub = unit(bb)
        for d in range(-(len(a) - 1), len(b)):
            total = 0.0
            for i in range(len(a)):
                j = i + d
                if 0 <= j < len(b):
                    total += float(ua[i] @ ub[j])
            best = max(best, total)
    return best / min(len(a), len(b))


def test_similarity_matches_reference():
    rng = np.random.default_rng(0)
    motifs = random_motifs(12, rng, wmin=4, wmax=15, conc=0.5)
    for a in motifs[:4]:
        fast = similarity_to_set(a.pwm, [m.pwm for m in motifs])
        slow = [slow_similarity(a.pwm, m.pwm) for m in motifs]
        assert np.allclose(fast, slow)
    m = motifs[0].pwm
    assert pwm_similarity(m, m) == pytest.approx(1.0)
    assert pwm_similarity(m, m[::-1, ::-1]) == pytest.approx(1.0)  # reverse complement
    assert pwm_similarity(m[2:5], m) == pytest.approx(1.0)  # contained
    assert pwm_similarity(m, motifs[1].pwm) < 0.9


def test_choose_motifs_distinct_names_and_clusters():
    rng = np.random.default_rng(1)
    pool = random_motifs(30, rng)
    pool += [Motif("D1", "tf3::TF4", pool[3].pwm), Motif("D2", "Tf5", pool[5].pwm)]
    for seed in range(5):
        chosen = choose_motifs(pool, 25, np.random.default_rng(seed))
        parts = [p for m in chosen for p in tf_name_parts(m.name)]
        assert len(parts) == len(set(parts))
        clustered = choose_motifs(pool, 5, np.random.default_rng(seed), max_similarity=0.5)
        pwms = [m.pwm for m in clustered]
        assert all(similarity_to_set(p, pwms[:i]).max(initial=-1) <= 0.5 for i, p in enumerate(pwms))
    with pytest.raises(InputError, match="fewer than --n-tfs 40"):
        choose_motifs(pool, 40, np.random.default_rng(0))


def test_choose_pairs_cover_and_distinct():
    for n, p in [(2, 1), (5, 3), (5, 10), (20, 40), (7, 4), (30, 80)]:
        pairs = choose_pairs(n, p, np.random.default_rng(n * p))
        assert pairs.shape == (p, 2)
        assert (pairs[:, 0] < pairs[:, 1]).all()
        assert len({tuple(r) for r in pairs.tolist()}) == p
        assert set(pairs.ravel().tolist()) == set(range(n))
    with pytest.raises(InputError):
        choose_pairs(5, 11, np.random.default_rng(0))
    with pytest.raises(InputError):
        choose_pairs(5, 2, np.random.default_rng(0))


def test_sample_instances_pass_threshold_and_follow_pwm():
    rng = np.random.default_rng(2)
    pwm = rng.dirichlet([0.5] * 4, size=9)
    codes = sample_instances(rng, pwm, 5000, BG)
    lo = log_odds(pwm, BG)
    assert codes.shape == (5000, 9) and codes.dtype == np.uint8
    assert (score_instances(codes, lo) >= 0.5 * lo.max(axis=1).sum()).all()
    # Without the threshold the draws follow the PWM column by column.
    free = sample_instances(rng, pwm, 20000, BG, fraction=-1e9)
    freq = np.stack([(free == c).mean(axis=0) for c in range(4)], axis=1)
    assert np.abs(freq - pwm).max() < 0.02
    # score_instances equals a per-base loop
    slow = [sum(lo[i, c] for i, c in enumerate(row)) for row in codes[:50]]
    assert np.allclose(score_instances(codes[:50], lo), slow)


def test_sample_instances_gives_up_on_impossible_threshold():
    pwm = np.full((6, 4), 0.25)
    pwm[:, 0] = 0.97
    pwm[:, 1:] = 0.01
    with pytest.raises(InputError, match="cannot sample"):
        sample_instances(np.random.default_rng(0), pwm, 10, BG, fraction=1.01, max_rounds=3, motif_name="x")


def test_background_and_revcomp():
    rng = np.random.default_rng(3)
    codes = sample_background(rng, 500, 400, BG)
    assert codes.shape == (500, 400) and codes.dtype == np.uint8
    assert np.allclose(np.bincount(codes.ravel(), minlength=4) / codes.size, BG, atol=0.005)
    k = rng.integers(0, 4, size=(20, 7)).astype(np.uint8)
    rc = reverse_complement_codes(k)
    text = D.decode_codes(k)
    assert D.decode_codes(rc) == [revcomp(t) for t in text]
    assert parse_background("0.25, 0.25,0.25,0.25").tolist() == [0.25] * 4


def test_pack_blocks_never_overlap_and_cover_range():
    rng = np.random.default_rng(4)
    blocks = rng.integers(5, 30, size=(3000, 3))
    starts = D._pack_blocks(rng, blocks, 150, 10)
    ends = starts + blocks
    assert (starts >= 0).all() and (ends <= 150).all()
    assert (starts[:, 1:] - ends[:, :-1] >= 10).all()
    # tight fits: exactly one layout
    tight = D._pack_blocks(rng, np.array([[10, 20]]), 40, 10)
    assert tight.tolist() == [[0, 20]]
    # first block reaches the start, last block the end, in some sequences
    assert (starts[:, 0] == 0).any() and (ends[:, -1] == 150).any()


def test_presets_match_the_paper():
    assert [(PRESETS[k].n_tfs, PRESETS[k].n_pairs) for k in ("data-40", "data-60", "data-80")] == [
        (20, 40), (25, 60), (30, 80)]
    for k in ("data-40", "data-60", "data-80"):
        c = PRESETS[k]
        assert (c.n_seqs, c.length, c.gap_min, c.gap_max, c.pairs_min, c.pairs_max, c.neg_motifs_min,
                c.neg_motifs_max, c.neg_spacing) == (60000, 300, 8, 15, 3, 3, 1, 3, 40)
    assert resolve("data-60", n_seqs=10, length=None).n_seqs == 10
    with pytest.raises(InputError, match="unknown preset"):
        resolve("data-50")


def test_assign_splits_stratified():
    labels = np.array([1, 0] * 500, dtype=np.uint8)
    splits = D.assign_splits(np.random.default_rng(0), labels, (0.8, 0.1, 0.1))
    for cls in (0, 1):
        s = splits[labels == cls]
        assert [(s == x).sum() for x in formats.SPLITS] == [400, 50, 50]
    splits = D.assign_splits(np.random.default_rng(0), labels[:10], (1.0, 0.0, 0.0))
    assert set(splits) == {"train"}


def test_distinct_clusters_and_cluster_columns(tmp_path, sim_jaspar):
    from satori.motifs.clusters import database_clusters
    from satori.motifs.jaspar import load_jaspar

    clusters = database_clusters(load_jaspar())
    # data-40 draws at random: its pairs.tsv names each motif's cluster
    pairs = sim_jaspar["pairs"]
    for col_m, col_c in (("motif1", "cluster1"), ("motif2", "cluster2")):
        assert [clusters.of_motif(m)[1] for m in pairs[col_m]] == list(pairs[col_c])
    out = tmp_path / "distinct"
    run_ok(["--outdir", out, "--preset", "data-40", "--n-seqs", 200, "--n-tfs", 30, "--n-pairs", 30, "--seed", 4,
            "--distinct-clusters"])
    sim = load(out)
    ids = [clusters.of_motif(m)[0] for m in sim["motifs"]]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert sim["settings"]["distinct_clusters"] is True
    from satori.simulate.motifs import choose_motifs

    plain = choose_motifs(load_jaspar(), 30, np.random.default_rng(0))  # without the option: 27 clusters
    assert len({clusters.of_motif(m.id)[0] for m in plain}) < 30
    distinct = choose_motifs(load_jaspar(), 30, np.random.default_rng(0), cluster_labels=clusters.labels)
    assert len({clusters.of_motif(m.id)[0] for m in distinct}) == 30


@pytest.mark.parametrize("seed", range(6))
def test_decoy_pairs_keep_every_tf_degree(seed):
    """The rewired set: same number of partners per TF, no interacting pair, no TF with
    itself, no pair twice."""
    rng = np.random.default_rng(seed)
    n = 20
    pairs = choose_pairs(n, 40, rng) if seed % 2 else np.array(
        sorted({tuple(sorted(rng.choice(n, 2, replace=False))) for _ in range(30)}))
    got = D.decoy_pairs(np.random.default_rng(seed + 100), n, np.asarray(pairs))
    assert got.shape == np.asarray(pairs).shape
    assert (got[:, 0] < got[:, 1]).all()
    assert len({tuple(p) for p in got}) == len(got)
    assert not {tuple(p) for p in got} & {tuple(sorted(p)) for p in np.asarray(pairs).tolist()}
    np.testing.assert_array_equal(np.bincount(got.ravel(), minlength=n), np.bincount(np.asarray(pairs).ravel(), minlength=n))


def test_decoy_pairs_impossible():
    """A complete pair graph has no non-partner: one line naming --decoys."""
    full = np.array([(i, j) for i in range(4) for j in range(i + 1, 4)])
    with pytest.raises(InputError, match="--decoys"):
        D.decoy_pairs(np.random.default_rng(0), 4, full)
