"""satori-implant: layout, vectorised variants, cooperativity of hand-built models, CLI."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from _interp_data import MOTIF0, MOTIF1, centre_readout, planted_dataset, planted_model, write_dataset
from satori import formats
from satori.cli import implant as cli_implant
from satori.data.onehot import one_hot
from satori.errors import InputError
from satori.interpret.implant import inputs, layout, stats
from satori.interpret.implant.run import implant
from satori.interpret.implant.screen import ScreenDesign, Variants, build_reference, variant_table
from satori.models import save
from satori.motifs.io import Motif, write_meme

BASES = "ACGT"


def _pwm(seq, p=0.94):
    out = np.full((len(seq), 4), (1 - p) / 3)
    for w, base in enumerate(seq):
        out[w, BASES.index(base)] = p
    return out


class AndModel(torch.nn.Module):
    """logit = 4 * [A on + and B on -, B starting exactly `gap` bases after A ends] +
    0.5 * [A anywhere] + 0.3 * [B anywhere] - 1 (exact-match detectors, bias 1 - width);
    ``additive``: 0.5 * (A matches) + 0.3 * (B matches) - 1 instead."""

    def __init__(self, a, b, gap, additive=False):
        super().__init__()
        self.wa, self.wb, self.gap, self.additive = len(a), len(b), gap, additive
        w = max(len(a), len(b))
        self.conv = torch.nn.Conv1d(4, 2, w)
        with torch.no_grad():
            self.conv.weight.zero_()
            rc_b = "".join({"A": "T", "C": "G", "G": "C", "T": "A"}[c] for c in reversed(b))
            for f, motif in enumerate((a, rc_b)):
                for i, base in enumerate(motif):
                    self.conv.weight[f, BASES.index(base), i] = 1.0
                self.conv.bias[f] = 1.0 - len(motif)

    def forward(self, x):
        h = torch.relu(self.conv(x))  # (n, 2, L - w + 1), 1 at an exact match
        da, db = h[:, 0], h[:, 1]
        shift = self.wa + self.gap
        both = (da[:, :-shift] * db[:, shift:]).amax(dim=1)
        if self.additive:  # counts of matches: additive unless a window spans both motifs and matches
            return (0.5 * da.sum(dim=1) + 0.3 * db.sum(dim=1) - 1.0)[:, None]
        out = 0.5 * da.amax(dim=1) + 0.3 * db.amax(dim=1) - 1.0 + 4.0 * both
        return out[:, None]


class PerBaseModel(torch.nn.Module):
    """Additive by construction: a non-linear function of each base, summed over positions."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.w = torch.nn.Parameter(torch.randn(4, 3))
        self.v = torch.nn.Parameter(torch.randn(3))

    def forward(self, x):
        h = torch.tanh(torch.einsum("ncl,ck->nkl", x, self.w))  # (n, 3, L)
        return torch.einsum("nkl,k->n", h, self.v)[:, None]


def _design_inputs(n_bg=6, length=60, seed=0):
    rng = np.random.default_rng(seed)
    bg = one_hot(["".join(rng.choice(list(BASES), size=length)) for _ in range(n_bg)])
    motifs = [Motif("MA", "TFA", _pwm(MOTIF0)), Motif("MB", "TFB", _pwm(MOTIF1))]
    codes, widths = inputs.tf_instances(motifs, n_bg, np.full(4, 0.25), "consensus")
    return bg, motifs, codes, widths


def _run(model, gaps, orientations=layout.ORIENTATIONS, n_bg=8, **kw):
    bg, motifs, codes, widths = _design_inputs(n_bg)
    pairs = pd.DataFrame({"tf1": ["TFA"], "tf2": ["TFB"], "attention_q": [0.01], "control": [0]})
    return implant(model, pairs, ["TFA", "TFB"], motifs, ["", ""], bg, codes, widths, np.asarray(gaps),
                   list(orientations), 0, "y", batch_size=64, n_boot=200, n_perm=200, **kw)


def test_and_model_recovers_gap_orientation_and_sign():
    res = _run(AndModel(MOTIF0, MOTIF1, gap=11), gaps=range(0, 21))
    row = res.table.iloc[0]
    assert row.best_gap == 11 and row.best_orientation == "+-"
    assert row.cooperativity > 3.0 and row.ci_low > 3.0
    assert row.p < 0.05
    curve = res.curves[(res.curves.orientation == "+-")].set_index("gap").cooperativity
    assert curve.drop(11).abs().max() < 0.5  # only the planted gap cooperates
    # each detector sees one strand: the marginals are half the weights (mean over both strands)
    assert abs(row.marginal1 - 0.25) < 0.02 and abs(row.marginal2 - 0.15) < 0.02
    assert list(res.table.columns) == formats.IMPLANT_COLUMNS
    assert len(res.curves) == 4 * 21 and list(res.curves.columns) == formats.IMPLANT_CURVES_COLUMNS


def test_additive_models_give_zero():
    # match counts are additive while no 6-bp window touches both motifs (gap >= 6)
    for model, gaps in ((AndModel(MOTIF0, MOTIF1, gap=11, additive=True), [6, 11, 30]), (PerBaseModel(), [0, 3, 30])):
        res = _run(model, gaps=gaps)
        assert res.curves.cooperativity.abs().max() < 1e-4
        assert res.table.cooperativity.abs().max() < 1e-4
        marg = res.table[["marginal1", "marginal2"]].abs().to_numpy()
        if isinstance(model, AndModel):
            assert marg[0, 0] > 0.2  # the single motifs do move the logit (0.5 on one strand of two)


def test_variants_match_a_plain_loop():
    rng = np.random.default_rng(7)
    n_bg, L, T = 5, 70, 3
    bg = one_hot(["".join(rng.choice(list(BASES), size=L)) for _ in range(n_bg)])
    widths = np.array([5, 8, 6])
    codes = np.zeros((T, n_bg, 8), dtype=np.uint8)
    for t in range(T):
        codes[t, :, :widths[t]] = rng.integers(0, 4, size=(n_bg, widths[t]))
    gaps = np.array([0, 2, 9, 30])
    oa, ob = layout.strand_flags(["++", "+-", "-+", "--"])
    design = ScreenDesign(bg, codes, widths, np.array([0, 1, 2]), np.array([1, 2, 0]), gaps, oa, ob,
                          layout.anchor_position(L, 8, 8, 30))
    table = variant_table(design)
    built = Variants(design, table)[0:len(table)].numpy()
    assert built.dtype == np.uint8 and (built.sum(axis=1) == 1).all()
    pick = rng.choice(len(table), size=150, replace=False)
    for r in pick:
        np.testing.assert_array_equal(built[r], build_reference(design, table[r]))
    # a slice in the middle gives the same rows
    np.testing.assert_array_equal(Variants(design, table)[40:90].numpy(), built[40:90])


def test_permutation_p_is_calibrated_and_accounts_for_the_grid():
    rng = np.random.default_rng(0)
    # pure noise on a 4 x 30 grid: the best point's naive p would be tiny, the max-statistic p is uniform
    C = rng.normal(size=(200, 4, 30, 20))
    st = stats.pair_statistics(C, n_boot=50, n_perm=200, seed=1)
    assert 0.02 < (st.p < 0.05).mean() < 0.1
    assert ((st.ci_low <= st.mean) & (st.mean <= st.ci_high)).all()
    C[0, 2, 5] += 2.0
    C[1, 1, 7] -= 2.0
    st = stats.pair_statistics(C, n_boot=50, n_perm=200, seed=1)
    assert st.p[0] < 0.01 and (st.best_o[0], st.best_g[0]) == (2, 5) and st.best[0] > 1.5
    assert st.p[1] < 0.01 and (st.best_o[1], st.best_g[1]) == (1, 7) and st.best[1] < -1.5
    # one-sided: the antagonistic pair is no longer a finding, the cooperative one still is
    st = stats.pair_statistics(C, n_boot=50, n_perm=200, seed=1, alternative="greater")
    assert st.p[0] < 0.01 and st.p[1] > 0.05 and (st.best_o[0], st.best_g[0]) == (2, 5)


def test_layout_parsing_and_fit():
    assert list(layout.parse_spacings("0-3,10-20:5,7")) == [0, 1, 2, 3, 7, 10, 15, 20]
    default = layout.parse_spacings("default")
    assert default[0] == 0 and default[-1] == 100 and (np.diff(default[:21]) == 1).all()
    for bad in ("x", "5-2", "-3", ""):
        if bad:
            with pytest.raises(InputError):
                layout.parse_spacings(bad)
    with pytest.raises(InputError, match="largest gap that fits is 48"):
        layout.anchor_position(60, 6, 6, 49)
    assert layout.anchor_position(60, 6, 6, 48) == 6
    assert layout.fit_gaps(default, 60, 6, 6).max() == 45  # the default grid stops where 60 bp end
    with pytest.raises(InputError):
        layout.parse_orientations("+,++")


def test_choose_pairs_controls_are_seeded_and_disjoint():
    tfs = {n.lower(): inputs.NamedTF(n, f"M{n}", "") for n in "ABCDEFG"}
    inter = pd.DataFrame({"key": [("a", "b"), ("c", "d"), ("a", "e")], "tf1": ["A", "C", "E"],
                          "tf2": ["B", "D", "A"], "q": [0.001, 0.01, 0.5]})
    p1 = inputs.choose_pairs(inter, tfs, seed=3)
    p2 = inputs.choose_pairs(inter, tfs, seed=3)
    pd.testing.assert_frame_equal(p1, p2)
    assert list(p1.control) == [0, 0, 1, 1] and list(p1.tf1[:2]) == ["A", "C"]
    assert len(inputs.choose_pairs(inter, tfs, mode="all")) == 21


# --- command line -------------------------------------------------------------------

@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("implant")
    ids, seqs, planted = planted_dataset(n_pos=60, n_neg=60)
    model = planted_model()
    centre_readout(model, one_hot(seqs))
    save(tmp / "model", model)
    write_dataset(tmp, ids, seqs, planted)
    db = [Motif("MA0", "Tf0", _pwm(MOTIF0)), Motif("MA1", "TF1", _pwm(MOTIF1)), Motif("MA2", "TF2", _pwm("ACGTAC"))]
    write_meme(tmp / "db.meme", db)
    fm = pd.DataFrame({"filter": [f"filter{i}" for i in range(6)], "n_sites": 20, "ic": 8.0,
                       "motif_id": ["MA0", "MA1", "MA2", "", "", ""], "tf": ["Tf0", "TF1", "TF2", "", "", ""],
                       "p": 1e-6, "E": 1e-5, "q": 1e-4, "orientation": "+", "cluster_id": "",
                       "cluster_name": ["C-zero", "C-one", "C-two", "", "", ""], "cluster_tfs": ""},
                      columns=formats.FILTER_MOTIFS_COLUMNS)
    (tmp / "fm").mkdir()
    fm.to_csv(tmp / "fm" / formats.FILTER_MOTIFS_TSV, sep="\t", index=False)
    (tmp / "fm" / formats.PARAMS_JSON).write_text(json.dumps({"options": {"motif_db": str(tmp / "db.meme")}}))
    pd.DataFrame({"tf1": ["Tf0", "Tf0"], "tf2": ["TF1", "TF2"], "q": [0.001, 0.6]}).to_csv(
        tmp / "tf.tsv", sep="\t", index=False)
    return tmp


def _args(w, out, *extra):
    return ["--model", str(w / "model"), "--fasta", str(w / "seqs.fa.gz"), "--labels", str(w / "labels.tsv"),
            "--filter-motifs", str(w / "fm" / formats.FILTER_MOTIFS_TSV), "--interactions", str(w / "tf.tsv"),
            "--outdir", str(out), "--threads", "1", "--device", "cpu", "--n-backgrounds", "6",
            "--spacings", "0-12:3,20", "--n-boot", "100", "--n-perm", "100", *extra]


def test_cli_end_to_end(workdir):
    out = workdir / "out"
    assert cli_implant.main(_args(workdir, out)) == 0
    table = pd.read_csv(out / formats.IMPLANT_TSV, sep="\t", keep_default_na=False, dtype={"attention_q": str})
    assert list(table.columns) == formats.IMPLANT_COLUMNS and len(table) == 2
    assert set(table.control) == {0, 1} and set(table.label) == {"y"}
    assert table[table.control == 0].attention_q.tolist() == ["0.001"]
    assert table[table.control == 1].attention_q.iloc[0] in ("0.6", "NA")  # tested and not significant, or untested
    sig = table[table.control == 0].iloc[0]
    assert (sig.tf1, sig.tf2, sig.cluster1, sig.cluster2, sig.motif2) == ("Tf0", "TF1", "C-zero", "C-one", "MA1")
    assert sig.n_backgrounds == 6 and sig.best_gap in (0, 3, 6, 9, 12, 20)
    assert np.all(table.q >= table.p - 1e-12) and table.q.is_monotonic_increasing
    curves = pd.read_csv(out / formats.IMPLANT_CURVES_TSV, sep="\t")
    assert list(curves.columns) == formats.IMPLANT_CURVES_COLUMNS and len(curves) == 2 * 4 * 6
    params = json.loads((out / formats.PARAMS_JSON).read_text())
    assert params["tool"] == "satori-implant" and params["options"]["seed"] == 0
    assert params["summary"]["n_forward_passes"] == 6 * (1 + 1 * 2 + 2 * 2 * 6 + 2 * 4 * 6)
    # same seed, same bytes
    out2 = workdir / "out2"
    assert cli_implant.main(_args(workdir, out2)) == 0
    assert (out2 / formats.IMPLANT_TSV).read_bytes() == (out / formats.IMPLANT_TSV).read_bytes()


def _one_error_line(capsys):
    err = [line for line in capsys.readouterr().err.strip().splitlines() if ": error:" in line or "Traceback" in line]
    assert len(err) == 1 and err[0].startswith("satori-implant: error:"), err
    return err[0]


@pytest.mark.parametrize("case", ["tf_not_in_db", "spacing_too_long", "missing_file", "bad_label", "db_not_found"])
def test_bad_inputs_fail_with_one_line(workdir, capsys, case):
    w = workdir
    out = w / f"bad-{case}"
    extra = []
    if case == "tf_not_in_db":
        write_meme(w / "small.meme", [Motif("MA0", "Tf0", _pwm(MOTIF0))])
        extra = ["--motif-db", str(w / "small.meme")]
    elif case == "spacing_too_long":
        extra = ["--spacings", "0,49"]
    elif case == "bad_label":
        extra = ["--label", "nope"]
    elif case == "db_not_found":  # the database filter-motifs recorded, by a relative path that is not here
        (w / "fm2").mkdir(exist_ok=True)
        (w / "fm2" / formats.FILTER_MOTIFS_TSV).write_text((w / "fm" / formats.FILTER_MOTIFS_TSV).read_text())
        (w / "fm2" / formats.PARAMS_JSON).write_text(json.dumps({"options": {"motif_db": "elsewhere/db.meme"}}))
    args = _args(w, out, *extra)
    if case == "missing_file":
        args[args.index("--interactions") + 1] = str(w / "absent.tsv")
    if case == "db_not_found":
        args[args.index("--filter-motifs") + 1] = str(w / "fm2" / formats.FILTER_MOTIFS_TSV)
    assert cli_implant.main(args) == 2
    line = _one_error_line(capsys)
    expect = {"tf_not_in_db": "TF 'TF1'", "spacing_too_long": "--spacings", "missing_file": "absent.tsv",
              "bad_label": "--label", "db_not_found": "elsewhere/db.meme"}[case]
    assert expect in line
    assert not out.exists()


def test_evaluate_reads_implant_tables(tmp_path):
    from satori.cli import evaluate as cli_evaluate
    from satori.evaluate import read_predictions

    table = pd.DataFrame({"tf1": ["A", "C", "E"], "tf2": ["B", "D", "F"], "q": [0.01, 0.01, 0.5],
                          "cooperativity": [1.2, -0.8, 0.3]})
    for col in formats.IMPLANT_COLUMNS:
        if col not in table:
            table[col] = ""
    table[formats.IMPLANT_COLUMNS].to_csv(tmp_path / formats.IMPLANT_TSV, sep="\t", index=False)
    pd.DataFrame({"tf1": ["A", "E"], "tf2": ["B", "F"]}).to_csv(tmp_path / "pairs.tsv", sep="\t", index=False)
    pred = read_predictions(tmp_path / formats.IMPLANT_TSV)
    assert dict(zip(pred.pair, pred.q)) == {("a", "b"): 0.01, ("c", "d"): 1.0, ("e", "f"): 0.5}  # negative = not found
    for extra, expect in (([], (1, 0, 1)), (["--min-cooperativity", "0.25"], (2, 0, 0))):
        out = tmp_path / f"ev{len(extra)}"
        assert cli_evaluate.main(["--interactions", str(tmp_path / formats.IMPLANT_TSV), "--truth",
                                  str(tmp_path / "pairs.tsv"), "--outdir", str(out), *extra]) == 0
        doc = json.loads((out / formats.EVALUATION_JSON).read_text())
        assert (doc["n_tp"], doc["n_fp"], doc["n_fn"]) == expect and doc["methods"] == ["implant"]
    # a score cut on a table without cooperativity is an input error
    pd.DataFrame({"tf1": ["A"], "tf2": ["B"], "q": [0.01]}).to_csv(tmp_path / "tf.tsv", sep="\t", index=False)
    assert cli_evaluate.main(["--interactions", str(tmp_path / "tf.tsv"), "--truth", str(tmp_path / "pairs.tsv"),
                              "--outdir", str(tmp_path / "bad"), "--min-cooperativity", "0"]) == 2
