"""The tiny real-data fixture runs through prepare-dhs and hippie-lookup."""

import json

import pandas as pd

from satori import formats
from satori.cli.hippie_lookup import main as hippie_main
from satori.cli.prepare_dhs import main as prepare_main
from satori.data.labels import read_labels
from satori.fixtures import make_fixture


def test_fixture_end_to_end(tmp_path):
    fx = make_fixture(tmp_path / "fx", seed=1, chrom_length=40_000, peak_prob=0.5)
    again = make_fixture(tmp_path / "fx2", seed=1, chrom_length=40_000, peak_prob=0.5)
    for key in ("genome", "gtf", "samplesheet", "mitab"):
        assert fx[key].read_bytes() == again[key].read_bytes()

    out = tmp_path / "prep"
    assert prepare_main(["--peaks", str(fx["samplesheet"]), "--genome", str(fx["genome"]), "--gtf", str(fx["gtf"]),
                         "--outdir", str(out)]) == 0
    labels = read_labels(out / formats.LABELS_TSV)
    assert list(labels.columns[2:]) == ["sample1", "sample2", "sample3", "sample4"]
    assert set(labels["split"]) == {"train", "valid", "test"}  # chr17 valid, chr22 test by default

    assert prepare_main(["--mode", "enhancer", "--peaks", str(fx["enhancers"]), "--genome", str(fx["genome"]),
                         "--gtf", str(fx["gtf"]), "--neg-ratio", "2", "--outdir", str(tmp_path / "enh")]) == 0

    truth = pd.read_csv(fx["pairs"], sep="\t")
    tfi = tmp_path / "tf_interactions.tsv"
    pd.DataFrame({"tf1": truth["tf1"], "tf2": truth["tf2"], "q": 0.001, "p": 0.0001, "n_filter_pairs": 1,
                  "median_distance": 12, "method": "raw"}).to_csv(tfi, sep="\t", index=False)
    assert hippie_main(["--interactions", str(tfi), "--ppi", str(fx["mitab"]), "--outdir", str(tmp_path / "ppi"),
                        "--n-permutations", "50"]) == 0
    summary = json.loads((tmp_path / "ppi" / formats.PPI_SUMMARY_JSON).read_text())
    assert summary["pairs_matched"] == len(truth) == 4
