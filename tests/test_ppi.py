"""satori-hippie-lookup: MITAB parsing, name matching, enrichment, the download."""

import gzip
import hashlib
import http.server
import itertools
import json
import threading

import numpy as np
import pandas as pd
import pytest

from satori import formats
from satori.cli.hippie_lookup import main
from satori.errors import InputError
from satori.fixtures import mitab_row
from satori.ppi.download import download
from satori.ppi.lookup import enrichment, match_pairs, members, read_name_map
from satori.ppi.mitab import read_mitab

HEADER = "\t".join(formats.MITAB_COLUMNS + formats.HIPPIE_EXTRA_COLUMNS)


def hippie(tmp_path, rows, name="hippie.txt"):
    text = HEADER + "\n" + "\n".join(mitab_row(a, b, s, i) for i, (a, b, s) in enumerate(rows)) + "\n"
    p = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(p, "wt") as fh:
            fh.write(text)
    else:
        p.write_text(text)
    return p


def interactions(tmp_path, rows):
    df = pd.DataFrame(rows, columns=["tf1", "tf2", "q"])
    df["p"] = df["q"] / 10
    df["n_filter_pairs"] = 1
    df["n_significant"] = 1
    df["median_distance"] = 10
    df["method"] = "raw"
    p = tmp_path / "tf_interactions.tsv"
    df.reindex(columns=formats.TF_INTERACTIONS_COLUMNS, fill_value="").to_csv(p, sep="\t", index=False)
    return p


def test_read_hippie_and_min_score(tmp_path):
    p = hippie(tmp_path, [("SP1", "NFYA", 0.9), ("ATF4", "CEBPB", 0.3), ("MYC", "", 0.8)], "h.txt.gz")
    ppi = read_mitab(p)
    assert ppi[["gene_a", "gene_b"]].values.tolist() == [["SP1", "NFYA"], ["ATF4", "CEBPB"]]
    assert ppi.attrs["records"] == 3
    ppi = read_mitab(p, min_score=0.5)
    assert ppi[["gene_a", "gene_b"]].values.tolist() == [["SP1", "NFYA"]]


def test_read_generic_mitab_from_aliases(tmp_path):
    # IntAct-style: symbols in the alias column with the (gene name) qualifier; BioGRID-style:
    # entrez gene/locuslink symbols in the alt-id column. 15 columns, '#' header.
    cols = ["#ID(s) interactor A"] + formats.MITAB_COLUMNS[1:]
    r1 = ["uniprotkb:P1", "uniprotkb:P2", "-", "-", "psi-mi:sp1_human(display_long)|uniprotkb:SP1(gene name)",
          "uniprotkb:NFYA(gene name)|uniprotkb:HAP2(gene name synonym)", "-", "-", "pubmed:1", "-", "-", "-",
          "psi-mi:\"MI:0469\"(IntAct)", "intact:EBI-1", "intact-miscore:0.56"]
    r2 = ["entrez gene/locuslink:4609", "entrez gene/locuslink:4149",
          "biogrid:1|entrez gene/locuslink:MYC", "biogrid:2|entrez gene/locuslink:MAX", "-", "-", "-", "-",
          "pubmed:2", "-", "-", "-", "biogrid", "biogrid:9", "-"]
    p = tmp_path / "x.mitab"
    p.write_text("\t".join(cols) + "\n" + "\t".join(r1) + "\n" + "\t".join(r2) + "\n")
    ppi = read_mitab(p)
    got = sorted(map(tuple, ppi[["gene_a", "gene_b"]].values.tolist()))
    assert got == [("MYC", "MAX"), ("SP1", "HAP2"), ("SP1", "NFYA")]
    assert ppi.loc[ppi["gene_a"] == "SP1", "score"].tolist() == [0.56, 0.56]
    assert np.isnan(ppi.loc[ppi["gene_a"] == "MYC", "score"].iloc[0])
    assert len(read_mitab(p, min_score=0.5)) == 2


def test_wrong_format_names_the_expected_columns(tmp_path):
    p = tmp_path / "x.tsv"
    p.write_text("gene1\tgene2\tscore\nA\tB\t1\n")
    with pytest.raises(InputError, match="ID Interactor A, ID Interactor B"):
        read_mitab(p)


def test_members():
    assert members("GATA1::TAL1") == ["GATA1", "TAL1"]
    assert members("Pax6(var.2)") == ["PAX6"]
    assert members("nr2e3") == ["NR2E3"]
    m = {"GM.5.0.HOMEODOMAIN.0001": ["PAX6", "PAX4"], "ARNT": ["ARNT", "ARNT2"]}
    assert members("GM.5.0.Homeodomain.0001", m) == ["PAX6", "PAX4"]
    assert members("Ahr::Arnt", m) == ["AHR", "ARNT", "ARNT2"]
    assert members("") == []


def test_match_heterodimers_and_self_pairs():
    ppi = pd.DataFrame({"gene_a": ["GATA1", "TAL1", "SP1"], "gene_b": ["TAL1", "TAL1", "NFYA"],
                        "score": [0.7, 0.9, 0.5], "sources": ["x", "y", "z"], "publications": ["pubmed:1", "-", "-"],
                        "record": [0, 1, 2]})
    pairs = pd.DataFrame({"tf1": ["GATA1::TAL1", "TAL1", "SP1", "KLF4"], "tf2": ["TAL1", "LMO2", "nfya", "SP1"],
                          "q": [0.01, 0.02, 0.03, 0.04], "p": 0.001, "method": "raw"})
    matches, info = match_pairs(pairs, ppi)
    # GATA1::TAL1 with TAL1 matches through GATA1-TAL1; TAL1-TAL1 (a self interaction) does not count.
    assert matches[["tf1", "tf2", "gene1", "gene2"]].values.tolist() == [
        ["GATA1::TAL1", "TAL1", "GATA1", "TAL1"], ["SP1", "nfya", "SP1", "NFYA"]]
    assert matches["score"].tolist() == [0.7, 0.5]
    assert info["matched"].tolist() == [True, False, True, False]


def test_name_map_file(tmp_path):
    p = tmp_path / "m2f.tsv"
    p.write_text("Motif\tFactor\tEvidence\tCurated\nM1\tSp1\tdirect\tY\nM1\tSp3\tdirect\tY\nM2\tNFYA,NFYB\tx\tN\n")
    m = read_name_map(p)
    assert m == {"M1": ["SP1", "SP3"], "M2": ["NFYA", "NFYB"]}
    ppi = pd.DataFrame({"gene_a": ["SP3"], "gene_b": ["NFYB"], "score": [0.8], "sources": ["s"],
                        "publications": ["-"], "record": [0]})
    matches, _ = match_pairs(pd.DataFrame({"tf1": ["M1"], "tf2": ["M2"], "q": [0.01], "p": [0.0], "method": [""]}),
                             ppi, m)
    assert matches[["gene1", "gene2"]].values.tolist() == [["SP3", "NFYB"]]


def test_enrichment_hypergeometric_and_permutation():
    from scipy.stats import hypergeom

    rng = np.random.default_rng(0)
    n_t = 12
    mm = rng.random((n_t, n_t)) < 0.2
    mm = np.triu(mm, 1)
    mm = mm | mm.T
    all_pairs = np.array(list(itertools.combinations(range(n_t), 2)))
    chosen = all_pairs[rng.choice(len(all_pairs), 15, replace=False)]
    out = enrichment(mm, chosen, 200, np.random.default_rng(1))
    k = int(mm[chosen[:, 0], chosen[:, 1]].sum())
    K = int(np.triu(mm, 1).sum())
    assert out["universe_pairs"] == 66 and out["universe_matched"] == K
    assert out["hypergeom_p"] == pytest.approx(hypergeom.sf(k - 1, 66, K, 15))
    # Slow reference for the permutation test.
    r = np.random.default_rng(1)
    counts = []
    for _ in range(200):
        perm = r.permuted(np.tile(np.arange(n_t), (1, 1)), axis=1)[0]
        counts.append(mm[perm[chosen[:, 0]], perm[chosen[:, 1]]].sum())
    # Same generator stream only if chunking draws identically; compare the statistic's range instead.
    assert 0 < out["permutation_p"] <= 1
    assert out["permutation_mean"] == pytest.approx(np.mean(counts) / 15, abs=0.08)
    # A network of exactly the database pairs is as enriched as it gets.
    best = np.argwhere(np.triu(mm, 1))
    strong = enrichment(mm, best, 200, np.random.default_rng(2))
    assert strong["hypergeom_p"] < 1e-6 and strong["permutation_p"] < 0.05


def test_cli_end_to_end(tmp_path, capsys):
    db = hippie(tmp_path, [("SP1", "NFYA", 0.9), ("ATF4", "CEBPB", 0.3), ("MAX", "MYC", 0.8)]
                + [(f"D{i}", f"D{i + 1}", 0.5) for i in range(50)])
    tfi = interactions(tmp_path, [("SP1", "NFYA", 0.001), ("Cebpb", "ATF4", 0.01), ("MAX", "GATA1", 0.02),
                                  ("MAX", "MYC", 0.5)])
    out = tmp_path / "out"
    assert main(["--interactions", str(tfi), "--ppi", str(db), "--outdir", str(out), "--min-score", "0.2",
                 "--n-permutations", "100"]) == 0
    m = pd.read_csv(out / formats.PPI_MATCHES_TSV, sep="\t")
    assert list(m.columns) == formats.PPI_MATCHES_COLUMNS
    assert m[["tf1", "tf2"]].values.tolist() == [["SP1", "NFYA"], ["Cebpb", "ATF4"]]
    s = json.loads((out / formats.PPI_SUMMARY_JSON).read_text())
    assert s["pairs_tested"] == 3 and s["pairs_matched"] == 2  # MAX-MYC has q 0.5
    from satori.schema import PPISummary

    assert not [k for k in PPISummary.KEYS if k not in s] and PPISummary.EXPECTED_FRACTION in s["chance"]
    assert s["tfs_not_in_database"] == ["GATA1"]
    assert s["database"]["sha256"] == hashlib.sha256(db.read_bytes()).hexdigest()
    assert s["chance"]["n_permutations"] == 100
    assert "2 of 3 predicted pairs" in capsys.readouterr().err
    assert json.loads((out / formats.PARAMS_JSON).read_text())["min_score"] == 0.2
    main(["--interactions", str(tfi), "--ppi", str(db), "--outdir", str(tmp_path / "o2"), "--min-score", "0.5"])
    m = pd.read_csv(tmp_path / "o2" / formats.PPI_MATCHES_TSV, sep="\t")
    assert m["tf1"].tolist() == ["SP1"]


def _fails(capsys, tmp_path, args, message):
    status = main([*map(str, args), "--outdir", str(tmp_path / "bad")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2, err
    assert [line for line in err if "error:" in line] == [err[-1]], err
    assert err[-1].startswith("satori-hippie-lookup: error:") and message in err[-1], err[-1]
    assert not (tmp_path / "bad").exists()


def test_cli_bad_input(tmp_path, capsys):
    db = hippie(tmp_path, [("SP1", "NFYA", 0.9)])
    tfi = interactions(tmp_path, [("SP1", "NFYA", 0.001)])
    (tmp_path / "wrong.tsv").write_text("a\tb\nSP1\tNFYA\n")
    _fails(capsys, tmp_path, ["--interactions", tfi, "--ppi", tmp_path / "wrong.tsv"], "Confidence Value")
    _fails(capsys, tmp_path, ["--interactions", tfi], "exactly one of --ppi FILE or --download")
    _fails(capsys, tmp_path, ["--interactions", tfi, "--ppi", db, "--download"], "exactly one")
    (tmp_path / "noq.tsv").write_text("tf1\ttf2\nA\tB\n")
    _fails(capsys, tmp_path, ["--interactions", tmp_path / "noq.tsv", "--ppi", db], "missing column(s) q")
    # No network: a port nobody listens on.
    _fails(capsys, tmp_path, ["--interactions", tfi, "--download", "--url", "http://127.0.0.1:9/h.txt",
                              "--cache-dir", tmp_path / "cache", "--retries", "1", "--timeout", "2"], "--ppi FILE")


# --- download against a local server --------------------------------------------------

BODY = (HEADER + "\n" + mitab_row("SP1", "NFYA", 0.9, 0) + "\n").encode()
# /slow.txt answers only once this is set (at the fixture's teardown): a timeout, whatever the load
_RELEASE_SLOW = threading.Event()


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/slow.txt":
            _RELEASE_SLOW.wait(60)
        if self.path == "/missing.txt":
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        extra = 100 if self.path == "/truncated.txt" else 0
        self.send_header("Content-Length", str(len(BODY) + extra))
        self.end_headers()
        try:
            self.wfile.write(BODY)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


@pytest.fixture()
def server():
    _RELEASE_SLOW.clear()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.block_on_close = False
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    _RELEASE_SLOW.set()
    srv.shutdown()
    srv.server_close()


def test_download_success_and_cache(server, tmp_path):
    cache = tmp_path / "cache"
    path, meta = download(f"{server}/hippie.txt", cache, timeout=5, retries=1)
    assert path.read_bytes() == BODY and meta["cached"] is False
    assert meta["sha256"] == hashlib.sha256(BODY).hexdigest() and meta["bytes"] == len(BODY)
    side = json.loads((cache / ("hippie.txt" + formats.DOWNLOAD_META_SUFFIX)).read_text())
    assert side["url"] == f"{server}/hippie.txt" and side["date"]
    again, meta2 = download(f"{server}/hippie.txt", cache, timeout=5, retries=1)
    assert again == path and meta2["cached"] is True


def test_cli_download(server, tmp_path):
    tfi = interactions(tmp_path, [("SP1", "NFYA", 0.001)])
    out = tmp_path / "out"
    assert main(["--interactions", str(tfi), "--download", "--url", f"{server}/hippie.txt", "--cache-dir",
                 str(tmp_path / "cache"), "--outdir", str(out), "--n-permutations", "0"]) == 0
    s = json.loads((out / formats.PPI_SUMMARY_JSON).read_text())
    assert s["database"]["url"] == f"{server}/hippie.txt" and s["pairs_matched"] == 1
    assert s["database"]["sha256"] == hashlib.sha256(BODY).hexdigest()


@pytest.mark.parametrize("name,message", [
    ("missing.txt", "HTTP 404"),
    ("slow.txt", "timed out"),
    ("truncated.txt", "IncompleteRead|received"),
])
def test_download_failures_leave_no_file(server, tmp_path, name, message):
    cache = tmp_path / "cache"
    # the slow path never answers in time; the others answer at once, so their generous
    # timeout keeps a loaded machine from turning them into timeouts
    timeout = 0.3 if name == "slow.txt" else 30
    with pytest.raises(InputError, match=message) as exc:
        download(f"{server}/{name}", cache, timeout=timeout, retries=2, backoff=0.0)
    assert "--ppi FILE" in str(exc.value) and "\n" not in str(exc.value)
    assert not cache.exists() or list(cache.iterdir()) == []


def test_hypergeom_sf_matches_scipy():
    from scipy.stats import hypergeom

    from satori.ppi.lookup import hypergeom_sf

    rng = np.random.default_rng(4)
    for _ in range(200):
        M = int(rng.integers(1, 500))
        K = int(rng.integers(0, M + 1))
        n = int(rng.integers(0, M + 1))
        k = int(rng.integers(-1, n + 2))
        assert hypergeom_sf(k, M, K, n) == pytest.approx(hypergeom.sf(k - 1, M, K, n), rel=1e-9, abs=1e-300)
