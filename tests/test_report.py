"""satori-report: the report of a tiny run made here, partial runs, error paths, pieces."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from report_fixtures import make_run
from satori import formats
from satori.cli.report import main
from satori.report.build import build_report, sequence_hits
from satori.report.discover import canonical_method, discover
from satori.report.readers import pair_key, parse_pair, pr_curve_from_interactions, scores_at

SECTION_IDS = ["summary", "training", "filters", "attention", "interactions", "truth", "implant", "known"]
URL_ATTR = re.compile(r"""\b(src|href)\s*=\s*["']([^"']*)["']""", re.I)


def sections_of(html: str) -> dict:
    """section id -> status badge, from the rendered HTML."""
    return dict(re.findall(r'<section id="(\w+)">\s*<h2>[^<]*<span class="badge (\w+)">', html))


def external_refs(html: str) -> list:
    """Every src/href value that would reach outside the file and its folder."""
    bad = []
    for _, value in URL_ATTR.findall(html):
        v = value.strip()
        if v.startswith(("data:", "#")):
            continue
        if "://" in v or v.startswith("//") or re.match(r"^[a-z][a-z0-9+.-]*:", v, re.I):
            bad.append(v)
    return bad


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    run = make_run(root / "run")
    out = root / "out"
    status = main(["--run", str(run), "--outdir", str(out), "--device", "cpu", "--threads", "1", "--log-level", "WARNING"])
    assert status == 0
    return run, out


def test_full_report_has_every_section(full_report):
    run, out = full_report
    html = (out / formats.REPORT_HTML).read_text()
    status = sections_of(html)
    assert list(status) == SECTION_IDS
    assert all(s == "ok" for s in status.values()), status
    for heading in ("1. Run summary", "2. Training", "3. Filters", "4. Attention", "5. Interactions",
                    "6. Ground truth", "7. Implantation", "8. Known interactions"):
        assert heading in html
    # every method gets its part, the filter table its logos, the truth its lists
    for text in ("Attn-Raw", "Attn-Attr", "DFIM", "Overlap of the methods", "GATA1", "found (TP): 2",
                 "Pairs with PPI support"):
        assert text in html, text
    assert html.count('alt="logo of filter') == 4
    assert (out / formats.PARAMS_JSON).is_file()


def test_html_is_self_contained(full_report):
    _, out = full_report
    html = (out / formats.REPORT_HTML).read_text()
    assert external_refs(html) == []
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "url(" not in html  # no CSS fetches
    assert html.count('src="data:image/png;base64,') >= 15
    assert (out / formats.REPORT_HTML).stat().st_size < 10e6


def test_every_figure_has_png_svg_tsv(full_report):
    _, out = full_report
    figs = out / formats.REPORT_FIGURES_DIR
    stems = {p.with_suffix("") for p in figs.rglob("*") if p.suffix in (".png", ".svg")}
    assert len(stems) >= 15
    for stem in stems:
        for ext in (".png", ".svg", ".tsv"):
            assert stem.with_suffix(ext).is_file(), f"{stem}{ext} missing"
        assert stem.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in stem.with_suffix(".svg").read_text()[:2000]
        pd.read_csv(stem.with_suffix(".tsv"), sep="\t")  # parses
    expected = {"training_curves", "test_roc_pr", "attention_distribution", "attention_heatmap_1", "network_raw",
                "network_attr", "network_dfim", "distances_raw", "methods_overlap", "truth_scores",
                "truth_pr_over_q", "ppi_support", "logos/filter_0"}
    names = {str(s.relative_to(figs)) for s in stems}
    assert expected <= names, expected - names
    # the HTML links each figure's files, relative to the report
    html = (out / formats.REPORT_HTML).read_text()
    assert 'href="figures/training_curves.svg"' in html and 'href="figures/training_curves.tsv"' in html


def test_figure_tables_hold_the_numbers(full_report):
    run, out = full_report
    hist = pd.read_csv(out / "figures" / "training_curves.tsv", sep="\t")
    src = pd.read_csv(run / "train" / formats.HISTORY_TSV, sep="\t")
    np.testing.assert_allclose(hist["valid_auc"], src["valid_auc"], rtol=1e-5)
    heat = pd.read_csv(out / "figures" / "attention_heatmap_1.tsv", sep="\t")
    attn = heat.drop(columns="query").to_numpy()
    assert attn.shape == (18, 18)  # pooled length of the tiny model
    np.testing.assert_allclose(attn.sum(axis=1) >= 1.0 / 18 - 1e-6, True)  # max over heads of rows summing to 1
    edges = pd.read_csv(out / "figures" / "network_raw.tsv", sep="\t")
    assert set(map(tuple, edges[["tf1", "tf2"]].to_numpy())) == {("GATA1", "TAL1"), ("SP1", "CTCF"), ("GATA1", "SP1")}


def test_report_summary_json(full_report):
    _, out = full_report
    s = json.loads((out / formats.REPORT_SUMMARY_JSON).read_text())
    assert s["dataset"] == "data-40" and s["arch"] == "basic" and s["entropy_lambda"] == 0.0
    assert s["auroc"] == pytest.approx(0.81)
    # the method and the naming database are separate keys
    assert {(x["method"], x["motif_db"]) for x in s["scores"]} == {("attn-raw", "jaspar"), ("attn-raw", "simulation")}
    assert s["sections"] == {k: "ok" for k in SECTION_IDS}


def test_method_and_database_are_told_apart(full_report):
    run, out = full_report
    html = (out / formats.REPORT_HTML).read_text()
    assert "(jaspar)" not in html and "(simulation)" not in html
    assert "Attn-Raw, named against JASPAR" in html and "Attn-Raw, named against the simulation&#39;s motifs" in html
    # the overlap compares the methods on one database (raw, attr, dfim of the run's JASPAR annotation)
    member = pd.read_csv(out / "figures" / "methods_overlap.tsv", sep="\t")
    assert list(member.columns) == ["pair", "Attn-Raw", "Attn-Attr", "DFIM"]


def test_summary_line_chance_and_training(full_report):
    run, out = full_report
    html = (out / formats.REPORT_HTML).read_text()
    line = re.search(r'<div class="headline" id="headline">([^<]*)</div>', html).group(1)
    # the full database first; 3 significant raw pairs, P 0.5 / R 1 against the truth, chance 1/3 (the baseline)
    assert line.startswith("3 significant TF pairs (Attn-Raw, JASPAR); precision 0.5 / recall 1 vs the simulation")
    assert "chance precision" in line
    assert "How to read this report" in html
    s = json.loads((out / formats.REPORT_SUMMARY_JSON).read_text())
    assert s["headline"] == line.replace("&#39;", "'")
    jaspar = next(x for x in s["scores"] if x["motif_db"] == "jaspar")
    # 2 true pairs of the 4 TFs' 6 pairs: chance 1/3 either way here; the cluster level is kept
    assert jaspar["chance_precision"] == pytest.approx(1 / 3) and jaspar["cluster_precision"] == pytest.approx(0.75)
    assert "Scores (motif clusters" in html
    # training: the kept epoch (lowest validation loss) and why, beside the best validation AUC
    assert "model kept: epoch 5, lowest validation loss" in html
    assert "best validation AUC 0.9 at epoch 5" in html


def test_model_table_and_seeds(full_report):
    _, out = full_report
    html = (out / formats.REPORT_HTML).read_text()
    model_box = html[html.index("<h4>Model</h4>"):]
    model_box = model_box[:model_box.index("</table>")]
    assert "n_filters" in model_box and "deep_channels" not in model_box and "rnn_hidden" not in model_box
    seeds = html[html.index("Versions and seeds"):]
    seeds = seeds[:seeds.index("</table>")]
    for folder in ("simulate", "train", "filter_motifs", "interpret_raw", "implant/raw"):
        assert f"<td>{folder}</td>" in seeds, folder
    assert "<td>5</td>" in seeds  # the implant step's own seed, from its params.json options
    assert "<td>interpret_raw</td><td>interpret-raw</td>" in seeds and "<td>implant/raw</td><td>implant</td>" in seeds


def test_implant_section_and_confirmations(full_report):
    run, out = full_report
    html = (out / formats.REPORT_HTML).read_text()
    sec = html[html.index('<section id="implant">'):html.index('<section id="known">')]
    # the method from the folder (implant/raw), the database from the run's only filter annotation
    assert re.search(r"Implantation of the pairs of Attn-Raw, named against JASPAR[^<:]*: 4 pairs tested, 1 confirmed", sec)
    assert sec.count('<span class="confirmed">confirmed</span>') == 1
    # the control pair says so (a row a user would otherwise read as an unexplained non-confirmation)
    assert "<th>tested as</th>" in sec
    assert "<td>TAL1</td><td>CTCF</td><td>control</td>" in sec
    assert sec.count("<td>predicted</td>") == 3
    # 64 backgrounds for every pair: said once under the table, not in a column
    assert "every pair: 64 backgrounds" in sec and "<th>backgrounds</th>" not in sec
    curves = pd.read_csv(out / "figures" / "implant_curves_implant_raw.tsv", sep="\t")
    assert {tuple(x) for x in curves[["tf1", "tf2"]].drop_duplicates().to_numpy()} == {
        ("GATA1", "TAL1"), ("SP1", "CTCF"), ("GATA1", "SP1")}  # the control pair is not drawn
    assert set(curves["orientation"]) == {"+/+", "+/-"}
    # the attention pair table of Attn-Raw marks GATA1-TAL1 (q 4e-4, cooperativity 0.8) only
    raw = html[html.index("Top TF pairs (Attn-Raw, named against JASPAR"):]
    raw = raw[:raw.index("</table>")]
    assert raw.count('class="confirmed"') == 1 and "confirmed (coop. 0.8)" in raw


def test_distance_marks_the_simulated_gap(full_report):
    _, out = full_report
    hist = pd.read_csv(out / "figures" / "distances_raw.tsv", sep="\t")
    assert hist["gap_min"].iloc[0] == 8 and hist["gap_max"].iloc[0] == 15  # the data-40 preset
    classes = pd.read_csv(out / "figures" / "distance_classes_raw.tsv", sep="\t")
    assert set(classes["class"]) == {"true pairs", "spurious pairs", "implanted partners"}
    assert (classes["class"] == "true pairs").sum() == 2  # GATA1-TAL1, SP1-CTCF (q < 0.05)
    html = (out / formats.REPORT_HTML).read_text()
    assert "Pairs by distance class (Attn-Raw)" in html


def test_network_colours_true_pairs(full_report):
    _, out = full_report
    edges = pd.read_csv(out / "figures" / "network_raw.tsv", sep="\t")
    truth = {("GATA1", "TAL1"): True, ("SP1", "CTCF"): True, ("GATA1", "SP1"): False}
    assert {(a, b): t for a, b, t in edges[["tf1", "tf2", "true"]].itertuples(index=False)} == truth
    w = dict(zip(zip(edges["tf1"], edges["tf2"]), edges["width"]))
    # widths grow with -log10 q and differ visibly (q 1e-4 at least twice as wide as q 0.03)
    assert w[("GATA1", "TAL1")] > w[("SP1", "CTCF")] > w[("GATA1", "SP1")]
    assert w[("GATA1", "TAL1")] >= 2 * w[("GATA1", "SP1")]


def test_pair_attention_maps(full_report):
    _, out = full_report
    figs = sorted(p.name for p in (out / "figures").glob("pair_attention_*.png"))
    html = (out / formats.REPORT_HTML).read_text()
    assert "attention map of their best sequence" in html
    assert len(figs) >= 1  # GATA1-TAL1 and GATA1-SP1 have filters of both TFs; SP1-CTCF has no CTCF filter
    assert "Pair maps not drawn for SP1–CTCF (a TF with no filter" in html
    # every drawn pair map is a (L', L') matrix of the model
    for name in figs:
        m = pd.read_csv(out / "figures" / name.replace(".png", ".tsv"), sep="\t")
        assert m.shape == (18, 19)


def test_filter_table_shows_matched_filters_and_folds_the_rest(full_report):
    _, out = full_report
    html = (out / formats.REPORT_HTML).read_text()
    sec = html[html.index('<section id="filters">'):html.index('<section id="attention">')]
    head, _, folded = sec.partition("<details><summary>1 filter without a match (show)</summary>")
    assert folded, "the unmatched filter is not in a <details> block"
    assert "<details open" not in sec
    # the 3 matched filters, smallest q first (SP1 2e-4, GATA1 1e-3, TAL1 1e-2), are in the
    # visible table; the unmatched filter3 only in the folded one
    visible = re.findall(r'alt="logo of filter (\d+)"', head)
    assert visible == ["2", "0", "1"]
    assert re.findall(r'alt="logo of filter (\d+)"', folded) == ["3"]


def test_hit_runs():
    from satori.report.figures import hit_runs
    assert hit_runs([9, 3, 4, 5, 5]) == [(3, 5), (9, 9)]
    assert hit_runs([]) == []


def test_pair_map_marks_both_motifs_and_the_best_cell():
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.colors import to_hex
    from satori.report import figures as F
    attn = np.random.default_rng(0).random((30, 30))
    fig, _ = F.pair_attention_map(attn, [4, 5, 20], [12], (5, 12), "GATA1", "TAL1", "t", pool=2)
    ax = next(a for a in fig.axes if a.get_images())  # the heatmap
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("GATA1" in t for t in texts) and any("TAL1" in t for t in texts)
    # column bands (axvspan: full height) in each TF's colour over its hits, in bp
    bands = {}
    for p in ax.patches:
        # x in data units for an axvspan (Rectangle or Polygon, depending on matplotlib)
        xs = p.get_patch_transform().transform(p.get_path().vertices)[:, 0]
        bands.setdefault(to_hex(p.get_facecolor()), []).append((xs.min(), xs.max()))
    blue, orange = F.PAIR_COLOURS[0].lower(), F.PAIR_COLOURS[1].lower()
    assert blue in bands and orange in bands and blue != orange
    covers = lambda spans, x: any(a <= x <= b for a, b in spans)
    assert covers(bands[blue], 4 * 2) and covers(bands[blue], 5 * 2) and covers(bands[blue], 20 * 2)
    assert not covers(bands[blue], 12 * 2) and covers(bands[orange], 12 * 2)
    assert not covers(bands[orange], 20 * 2)
    # the best cell (query 5, key 12) is circled, at (key, query) in bp
    circled = [c.get_offsets() for c in ax.collections if len(c.get_offsets())]
    assert any(np.allclose(o[0], [24, 10]) for o in circled)
    # the TF names label the top track's lanes, in their colours
    track = next(a for a in fig.axes if [t.get_text() for t in a.get_yticklabels()] == ["GATA1", "TAL1"])
    assert [to_hex(t.get_color()) for t in track.get_yticklabels()] == [blue, orange]
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_truth_bars_tell_databases_and_levels_apart():
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex
    from satori.report import figures as F
    scores = pd.DataFrame({
        "label": ["raw jaspar", "raw sim", "raw jaspar", "raw sim"], "method": ["raw"] * 4,
        "db": ["jaspar", "simulation", "jaspar", "simulation"], "level": ["TF names", "TF names", "clusters", "clusters"],
        "precision": [0.1, 0.4, 0.2, 0.5], "recall": [0.1, 0.3, 0.1, 0.3], "f1": [0.1, 0.35, 0.13, 0.38]})
    fig, _ = F.truth_scores(scores, chance_all=0.21)
    bars = [p for p in fig.axes[0].patches if p.get_height() > 0]
    # one method: a colour per database, a hatch per level (3 metrics x 4 rows)
    style = {(to_hex(b.get_facecolor()), b.get_hatch() or "") for b in bars}
    assert len(bars) == 12 and len(style) == 4
    assert len({c for c, _ in style}) == 2 and len({h for _, h in style}) == 2
    plt.close(fig)


def test_heatmap_labels_named_hits_first():
    import matplotlib.pyplot as plt
    from satori.report import figures as F
    L = 72
    pos = np.arange(L)
    # weak hits of a TF every 7th position, strong unnamed ones everywhere else
    hits = pd.DataFrame({"position": pos, "label": ["KLF17" if p % 7 == 0 else f"f{p}" for p in pos],
                         "strength": np.where(pos % 7 == 0, 1.1, 3.0)})
    fig, _ = F.attention_heatmap(np.zeros((L, L)), hits, "t", max_labels=20)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["KLF17"] * len(range(0, L, 7))
    # without any named hit the strongest unnamed ones are labelled
    fig2, _ = F.attention_heatmap(np.zeros((L, L)), hits.assign(label=[f"f{p}" for p in pos]), "t", max_labels=20)
    labels2 = [t.get_text() for t in fig2.axes[0].get_xticklabels()]
    assert 5 <= len(labels2) <= 20 and all(t.startswith("f") for t in labels2)
    plt.close(fig2)
    plt.close(fig)


def test_pair_scores_match_loop():
    from satori.report.build import pair_scores

    rng = np.random.default_rng(4)
    attn = rng.random((6, 7, 7))
    hit = rng.random((6, 5, 7)) > 0.7
    score, best = pair_scores(attn, hit, [0, 1], [3])
    for n in range(6):
        expected, cell = -np.inf, None
        for i in range(7):
            for j in range(7):
                a_i, b_i = hit[n, [0, 1], i].any(), hit[n, 3, i]
                a_j, b_j = hit[n, [0, 1], j].any(), hit[n, 3, j]
                if i != j and ((a_i and b_j) or (b_i and a_j)) and attn[n, i, j] > expected:
                    expected, cell = attn[n, i, j], (i, j)
        assert score[n] == expected
        if cell is not None:
            assert tuple(best[n]) == cell


def test_few_target_motifs_caveat(tmp_path):
    run = make_run(tmp_path / "run", steps=("simulate", "filter_motifs"), n_targets=20)
    out = build_report(run, tmp_path / "out")
    html = (out / formats.REPORT_HTML).read_text()
    assert html.count('class="caveat"') >= 2  # at the top and in the filter section
    assert "matched against 20 motifs only" in html and "fewer than 25 target motifs" in html
    run2 = make_run(tmp_path / "run2", steps=("simulate", "filter_motifs"))
    assert 'class="caveat"' not in (build_report(run2, tmp_path / "out2") / formats.REPORT_HTML).read_text()


def test_one_number_style():
    from satori.report.build import fmt
    assert [fmt(x) for x in (3.53e-11, 0.001158, 0.8468, 1234.5, 12, 0.0, 5.0, 20000)] == \
        ["3.53e-11", "0.00116", "0.847", "1,234", "12", "0", "5", "20,000"]


def test_partial_run_names_what_is_missing(tmp_path):
    run = make_run(tmp_path / "run", steps=("simulate", "train"))
    out = build_report(run, tmp_path / "out", max_seqs=5)
    html = (out / formats.REPORT_HTML).read_text()
    status = sections_of(html)
    assert list(status) == SECTION_IDS
    assert status["training"] == "ok" and status["attention"] == "ok"
    # steps the run did not ask for are "not run" (grey), not failures
    assert status["filters"] == "notrun" and status["interactions"] == "notrun" and status["known"] == "notrun"
    assert "No satori-filter-motifs output" in html
    assert "No interactions.tsv" in html
    assert ("Steps this run did not ask for (not run): filter-motifs, interpret-raw, interpret-attr, dfim, "
            "evaluate, implant, hippie-lookup") in html
    assert '<span class="status-missing">' not in html
    # simulated run without evaluation: the report scores the truth itself only if it has interactions
    assert status["truth"] in ("partial", "missing", "notrun")
    assert external_refs(html) == []


def test_interactions_only_run_scores_against_truth(tmp_path):
    run = make_run(tmp_path / "run", steps=("simulate", "interpret_raw"))
    out = build_report(run, tmp_path / "out")
    html = (out / formats.REPORT_HTML).read_text()
    assert "scores computed by the report" in html
    s = json.loads((out / formats.REPORT_SUMMARY_JSON).read_text())
    # raw: GATA1-TAL1 (q 1e-4) and SP1-CTCF (0.01) true, GATA1-SP1 (0.03) false; TAL1-CTCF q 0.4 not called
    (raw,) = s["scores"]
    assert raw["precision"] == pytest.approx(2 / 3) and raw["recall"] == 1.0 and raw["source"] == "computed"
    assert sections_of(html)["attention"] == "notrun"
    assert "the run lacks: model directory" in html


def test_flat_directory(tmp_path):
    """All files side by side in one directory (no step folders)."""
    nested = make_run(tmp_path / "nested", steps=("simulate", "filter_motifs", "interpret_raw"))
    flat = tmp_path / "flat"
    flat.mkdir()
    for p in nested.rglob("*"):
        if p.is_file() and p.name != formats.PARAMS_JSON:
            (flat / p.name).write_bytes(p.read_bytes())
    out = build_report(flat, tmp_path / "out")
    status = sections_of((out / formats.REPORT_HTML).read_text())
    assert status["filters"] == "ok" and status["interactions"] == "ok"


def test_default_outdir_inside_run_is_not_read_back(tmp_path):
    run = make_run(tmp_path / "run", steps=("interpret_raw",))
    assert main(["--run", str(run), "--log-level", "ERROR"]) == 0
    assert (run / "report" / formats.REPORT_HTML).is_file()
    # a second report over the same run does not list the first report's files as run files
    assert main(["--run", str(run), "--log-level", "ERROR"]) == 0
    html = (run / "report" / formats.REPORT_HTML).read_text()
    assert "report/params.json" not in html


# --- error paths -----------------------------------------------------------------------

def test_missing_run_dir(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--run", str(tmp_path / "nope"), "--outdir", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("satori-report: error: --run") and "not found" in err[0]
    assert not out.exists()


def test_run_is_a_file(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert main(["--run", str(f), "--outdir", str(tmp_path / "out")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_empty_run_is_an_error(tmp_path, capsys):
    (tmp_path / "run" / "sub").mkdir(parents=True)
    (tmp_path / "run" / "notes.txt").write_text("nothing here")
    assert main(["--run", str(tmp_path / "run"), "--outdir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no satori outputs found" in err[0]
    assert not (tmp_path / "out").exists()


def test_corrupt_tsv_is_reported_in_its_section(tmp_path):
    run = make_run(tmp_path / "run", steps=("simulate", "train", "filter_motifs", "interpret_raw", "interpret_attr"))
    (run / "interpret_raw" / formats.TF_INTERACTIONS_TSV).write_text("tf1\ttf2\tq\nGATA1\tTAL1\tnot-a-number\n")
    (run / "interpret_attr" / formats.TF_INTERACTIONS_TSV).write_bytes(b"\x00\x01garbage without tabs\n\x02")
    (run / "train" / formats.HISTORY_TSV).write_text('epoch\ttrain_loss\n1\t"unterminated\n')
    (run / "filter_motifs" / formats.FILTER_MOTIFS_TSV).write_text("")
    out = build_report(run, tmp_path / "out", max_seqs=5)
    html = (out / formats.REPORT_HTML).read_text()
    status = sections_of(html)
    assert list(status) == SECTION_IDS
    assert "interpret_raw/tf_interactions.tsv: column &#39;q&#39; holds a non-number (&#39;not-a-number&#39;)" in html
    assert "interpret_attr/tf_interactions.tsv lacks the column(s)" in html
    assert "train/history.tsv cannot be parsed" in html
    assert "filter_motifs/filter_motifs.tsv is empty" in html
    assert status["interactions"] == "partial" and status["training"] == "partial"
    # the readable parts are still drawn
    assert (out / "figures" / "distances_raw.png").is_file()
    assert (out / "figures" / "logos" / "filter_0.png").is_file()


def test_corrupt_json_and_meme(tmp_path):
    run = make_run(tmp_path / "run", steps=("simulate", "filter_motifs", "evaluate", "hippie"))
    (run / "evaluate" / "jaspar" / formats.EVALUATION_JSON).write_text("{not json")
    (run / "filter_motifs" / formats.FILTERS_MEME).write_text("MOTIF x\nletter-probability matrix: w= 2\n0.5 0.5\n")
    (run / "hippie" / formats.PPI_SUMMARY_JSON).write_text("[1, 2]")
    out = build_report(run, tmp_path / "out")
    html = (out / formats.REPORT_HTML).read_text()
    assert "evaluate/jaspar/evaluation.json cannot be parsed as JSON" in html
    assert "Logos:" in html and "expected 4 columns" in html
    assert "hippie/ppi_summary.json: expected a JSON object" in html
    assert sections_of(html)["truth"] == "partial"  # the simulation-mode evaluation still shows


def test_bad_option_combinations(tmp_path, capsys):
    assert main([]) == 2
    assert main(["--run", str(tmp_path), "--index", str(tmp_path), "--outdir", str(tmp_path / "o")]) == 2
    assert main(["--index", str(tmp_path)]) == 2
    assert main(["--run", str(tmp_path), "--max-seqs", "0"]) == 2
    errs = capsys.readouterr().err.strip().splitlines()
    assert len(errs) == 4 and all(e.startswith("satori-report: error:") for e in errs)


# --- pieces -----------------------------------------------------------------------------

def test_pair_parsing_and_canonical_method():
    assert parse_pair(["tal1", "GATA1"]) == parse_pair(["GATA1", "TAL1"]) == "GATA1|TAL1"
    assert parse_pair("GATA1|TAL1") is None and parse_pair(["GATA1"]) is None  # only evaluation.json's form
    assert pair_key("A::B", "c") == "A::B|C"
    assert [canonical_method(x) for x in ("attn-raw", "interpret_attr", "DFIM", "attention", "", "other")] == \
        ["raw", "attr", "dfim", "raw", "unknown", "other"]


def _slow_pr_curve(tf, truth):
    rows = []
    best = {}
    for a, b, q in zip(tf["tf1"], tf["tf2"], tf["q"]):
        if a.upper() == b.upper():
            continue
        k = pair_key(a, b)
        best[k] = min(best.get(k, np.inf), q)
    for t in sorted(set(best.values())):
        pred = {k for k, q in best.items() if q <= t}
        tp = len(pred & truth)
        rows.append((t, tp / len(pred), tp / len(truth)))
    return rows


def test_pr_curve_matches_reference():
    rng = np.random.default_rng(3)
    names = list("ABCDEFG")
    for _ in range(20):
        n = int(rng.integers(1, 30))
        tf = pd.DataFrame({"tf1": rng.choice(names, n), "tf2": rng.choice(names, n),
                           "q": rng.choice([0.001, 0.01, 0.02, 0.5], n)})
        truth = {pair_key(*rng.choice(names, 2, replace=False)) for _ in range(5)}
        fast = pr_curve_from_interactions(tf, truth)
        slow = _slow_pr_curve(tf, truth)
        assert len(fast) == len(slow)
        for (q, p, r), row in zip(slow, fast.itertuples()):
            assert row.q == q and row.precision == pytest.approx(p) and row.recall == pytest.approx(r)
        sc = scores_at(tf, truth, 0.05)
        at = [x for x in slow if x[0] < 0.05]
        if at:
            assert sc["precision"] == pytest.approx(at[-1][1]) and sc["recall"] == pytest.approx(at[-1][2])


def test_sequence_hits_matches_loop():
    rng = np.random.default_rng(1)
    act = rng.random((5, 12)) * rng.random((5, 1))
    thr = 0.65 * act.max(axis=1)
    thr[2] = 0.0  # a dead filter never hits
    hits = sequence_hits(act, thr, {0: "GATA1"})
    expected = []
    for j in range(12):
        best, strength = None, 1.0
        for f in range(5):
            if thr[f] > 0 and act[f, j] / thr[f] > strength:
                best, strength = f, act[f, j] / thr[f]
        if best is not None:
            expected.append((j, best))
    assert list(zip(hits["position"], hits["filter"])) == expected
    assert all(lab == ("GATA1" if f == 0 else f"f{f}") for f, lab in zip(hits["filter"], hits["label"]))


def test_discover_finds_files_by_name(tmp_path):
    run = make_run(tmp_path / "run")
    rf = discover(run)
    assert rf.model_dir == run / "train"
    assert rf.fasta == run / "simulate" / formats.SEQUENCES_FA
    assert len(rf.tf_interactions) == 3 and len(rf.evaluations) == 2
    assert set(rf.params) == {"simulate", "train", "filter_motifs", "interpret_raw", "interpret_attr", "dfim",
                              "implant/raw"}
    assert rf.implant_tables == [run / "implant" / "raw" / formats.IMPLANT_TSV]
    assert rf.implant_curves == [run / "implant" / "raw" / formats.IMPLANT_CURVES_TSV]
    rf2 = discover(run, exclude=[run / "train"])
    assert rf2.model_dir is None and rf2.history is None


def test_roc_pr_curves_multilabel():
    from sklearn.metrics import roc_auc_score

    from satori.report.figures import roc_pr_curves

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(60, 3))
    y[:, 2] = 0  # a label with no positive in the test set: no curve, NaN AUC
    scores = np.clip(y * 0.4 + rng.random((60, 3)) * 0.6, 0, 1)
    fig, table, aucs = roc_pr_curves(y, scores, ["a", "b", "c"])
    assert list(aucs["label"]) == ["a", "b", "c"]
    assert aucs["auroc"].iloc[0] == pytest.approx(roc_auc_score(y[:, 0], scores[:, 0]))
    assert np.isnan(aucs["auroc"].iloc[2])
    assert set(table["label"]) == {"a", "b", "macro-average"}
    assert len(fig.axes) == 2
