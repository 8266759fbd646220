"""Pre-loaded motif filters (TIANA-style) and TomTom clustering of motifs."""

import json

import numpy as np
import pytest
import torch

from satori import formats
from satori.data.dataset import Dataset
from satori.data.onehot import one_hot
from satori.errors import InputError
from satori.models import ModelConfig, build, load, save
from satori.models.preloaded import (
    build_preloaded, preloaded_filter_table, preloaded_thresholds, pssm_filters, select_motifs,
)
from satori.motifs.cluster import cluster_motifs
from satori.motifs.io import Motif, log_odds, write_meme
from satori.train import TrainSettings, fit, make_optimizer
from train_helpers import make_data


CPU = torch.device("cpu")


def pwm_of(consensus, strength=0.85):
    rows = []
    for base in consensus:
        row = np.full(4, (1 - strength) / 3)
        row["ACGT".index(base)] = strength
        rows.append(row)
    return np.array(rows)


MOTIFS = [
    Motif("M1", "TFA", pwm_of("TGACTCA")),
    Motif("M2", "TFB", pwm_of("CACGTG")),
    Motif("M3", "TFC", pwm_of("GGGGCGGGGC")),
]


def base_config(**kw):
    d = dict(length=60, n_labels=1, pool=2, n_heads=2, head_dim=4, linear_units=8, dropout=0.0)
    d.update(kw)
    return ModelConfig(**d)


def pssm_score(pwm, kmer_onehot):
    """Straightforward reference: sum of log-odds of the bases of a k-mer."""
    lo = log_odds(pwm)
    return sum(lo[j, int(np.argmax(kmer_onehot[:, j]))] for j in range(lo.shape[0]))


def revcomp(seq):
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def test_filters_score_exactly_the_pssm_on_both_strands():
    model = build_preloaded(base_config(), MOTIFS).eval()
    cfg = model.config
    assert cfg.n_filters == 6 and cfg.filter_width == 10 and cfg.preloaded
    assert [(e["id"], e["strand"]) for e in cfg.filter_motifs] == [
        ("M1", "+"), ("M1", "-"), ("M2", "+"), ("M2", "-"), ("M3", "+"), ("M3", "-")]
    conv = model.conv[0]
    assert conv.bias is None and not conv.weight.requires_grad
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in model.modules())
    rng = np.random.default_rng(0)
    seq = "".join(rng.choice(list("ACGT"), size=60))
    X = torch.from_numpy(one_hot([seq])).float()
    act = model.conv_activations(X)[0].detach().numpy()  # (F, 51)
    x = one_hot([seq])[0]
    for i, m in enumerate(MOTIFS):
        w = m.width
        for pos in (0, 17, 60 - 10):
            fwd = pssm_score(m.pwm, x[:, pos:pos + w])
            rc = pssm_score(m.pwm[::-1, ::-1], x[:, pos:pos + w])
            assert act[2 * i, pos] == pytest.approx(max(fwd, 0), abs=1e-4)
            assert act[2 * i + 1, pos] == pytest.approx(max(rc, 0), abs=1e-4)
    # a planted reverse-complement site is found by the '-' filter at the same position
    planted = seq[:20] + revcomp("CACGTG") + seq[26:]
    a = model.conv_activations(torch.from_numpy(one_hot([planted])).float())[0]
    thresholds = preloaded_thresholds(cfg)
    assert a[3, 20] > thresholds[3] and a[3, 20] == a[3].max()


def test_thresholds_are_half_the_maximum_score_and_table_format():
    weights, entries = pssm_filters(MOTIFS)
    assert weights.shape == (6, 4, 10)
    for i, m in enumerate(MOTIFS):
        best = log_odds(m.pwm).max(axis=1).sum()
        assert entries[2 * i]["threshold"] == pytest.approx(best / 2)
        assert entries[2 * i + 1]["threshold"] == pytest.approx(best / 2)
        # zero log-odds padding after the motif's own width, on both strands
        assert np.all(weights[2 * i, :, m.width:] == 0) and np.all(weights[2 * i + 1, :, m.width:] == 0)
    cfg = build_preloaded(base_config(), MOTIFS).config
    table = preloaded_filter_table(cfg)
    assert list(table.columns) == formats.FILTER_MOTIFS_COLUMNS
    assert table["filter"].tolist() == [f"filter{i}" for i in range(6)]
    assert table["tf"].tolist() == ["TFA", "TFA", "TFB", "TFB", "TFC", "TFC"]
    assert table["orientation"].tolist() == ["+", "-"] * 3
    assert (table["q"] == 0).all()
    torch.testing.assert_close(preloaded_thresholds(cfg), torch.tensor([e["threshold"] for e in entries]))
    with pytest.raises(InputError, match="trainable"):
        preloaded_filter_table(base_config())


def test_filters_stay_frozen_through_training_and_round_trip(tmp_path):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = build_preloaded(base_config(), MOTIFS)
    pssms = model.conv[0].weight.detach().clone()
    optimizer = make_optimizer(model, TrainSettings(weight_decay=0.1))
    assert all(p is not model.conv[0].weight for g in optimizer.param_groups for p in g["params"])
    ids, seqs, frame = make_data(n=64, length=60, n_labels=1, seed=0)
    data = Dataset(ids=ids, X=torch.from_numpy(one_hot(seqs)), y=torch.from_numpy(frame[["y0"]].to_numpy().copy()),
                   label_names=["y0"], split=frame["split"].to_numpy(dtype=str))
    before = model.attention.query.weight.detach().clone()
    fit(model, data, TrainSettings(lr=1e-2, batch_size=16, max_epochs=2, patience=0, weight_decay=0.1,
                                   entropy_lambda=0.01), CPU)
    assert torch.equal(model.conv[0].weight, pssms)
    assert not torch.equal(model.attention.query.weight, before)
    save(tmp_path, model)
    again = load(tmp_path)
    assert torch.equal(again.conv[0].weight, pssms) and not again.conv[0].weight.requires_grad
    assert again.config.filter_motifs == model.config.filter_motifs
    X = torch.rand(2, 4, 60)
    model.eval()
    torch.testing.assert_close(again(X), model(X))
    _, probs = again(X, return_attention=True)
    L = again.config.pooled_length
    assert probs.shape == (2, 2, L, L)
    raw = json.loads((tmp_path / formats.CONFIG_JSON).read_text())
    assert raw["filter_motifs"][1] == {**raw["filter_motifs"][1], "id": "M1", "name": "TFA", "strand": "-"}


def test_preloaded_config_rejects_batchnorm_and_mismatch():
    with pytest.raises(InputError, match="batch normalisation"):
        build_preloaded(base_config(batchnorm=True), MOTIFS)
    _, entries = pssm_filters(MOTIFS)
    with pytest.raises(InputError, match="one entry per filter"):
        build(base_config(n_filters=5, filter_width=10, filter_motifs=entries))
    with pytest.raises(InputError, match="duplicate"):
        pssm_filters(MOTIFS + [MOTIFS[0]])


def test_cluster_complete_linkage_and_representative():
    motifs = [Motif(f"m{i}", f"n{i}", pwm_of("ACGTAC")) for i in range(5)]
    # 0,1,2 similar to each other; 3 similar to 2 only (complete linkage keeps it out); 4 alone
    p = np.full((5, 5), 0.5)
    np.fill_diagonal(p, 1e-20)
    for a, b, v in ((0, 1, 1e-8), (0, 2, 1e-6), (1, 2, 1e-7), (2, 3, 3e-6)):
        p[a, b] = v
        p[b, a] = v / 10  # asymmetric: the larger one counts
    c = cluster_motifs(motifs, threshold=1e-5, pvalues=p)
    assert c.labels.tolist() == [0, 0, 0, 1, 2]
    # representative of {0,1,2}: mean log10 p_sym to the others: 0: (-8-6)/2, 1: (-8-7)/2, 2: (-6-7)/2
    assert c.representatives == [1, 3, 4]
    assert cluster_motifs(motifs, threshold=1e-10, pvalues=p).labels.tolist() == [0, 1, 2, 3, 4]


def test_select_motifs_from_file_and_jaspar_clustering(tmp_path):
    path = tmp_path / "m.meme"
    write_meme(path, MOTIFS)
    got = select_motifs(str(path))
    assert [m.id for m in got] == ["M1", "M2", "M3"]  # a file is used as given
    with pytest.raises(InputError, match="not found"):
        select_motifs(str(tmp_path / "missing.meme"))
    # bundled JASPAR, clustered with TomTom (memelite): one representative per cluster
    pytest.importorskip("memelite")
    from satori.motifs.jaspar import load_jaspar

    every = load_jaspar()
    reps = select_motifs("jaspar", 1e-3)
    assert 50 < len(reps) < len(every)
    assert len({m.id for m in reps}) == len(reps)
    members = [i for m in reps for i in m.meta["cluster_ids"]]
    assert sorted(members) == sorted(m.id for m in every)  # a partition of the database
    assert all(m.id in m.meta["cluster_ids"] for m in reps)


def test_interpreters_use_the_pssm_half_max_thresholds_and_no_tomtom(tmp_path):
    """Pre-loaded models: hits at half the PSSM max; filter-motifs names filters from the model."""
    import pandas as pd

    from satori.cli.filter_motifs import main as filter_motifs_main
    from satori.interpret.hits import hit_thresholds
    from satori.data.fasta import write_fasta
    from satori.data.labels import write_labels

    torch.manual_seed(0)
    model = build_preloaded(base_config(), MOTIFS).eval()
    fake_fg_max = torch.full((3, model.config.n_filters), 100.0)  # would give 65.0 for trainable filters
    torch.testing.assert_close(hit_thresholds(model, fake_fg_max), preloaded_thresholds(model.config))

    save(tmp_path / "model", model)
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(40)]
    ids = [f"s{i}" for i in range(40)]
    write_fasta(tmp_path / "s.fa", ids, seqs)
    write_labels(tmp_path / "l.tsv", pd.DataFrame({"id": ids, "split": "test", "y": [1, 0] * 20}))
    # a motif database is read (the CLI checks it) but not searched: the table comes from the config
    write_meme(tmp_path / "db.meme", MOTIFS[:1])
    status = filter_motifs_main(["--model", str(tmp_path / "model"), "--fasta", str(tmp_path / "s.fa"),
                                 "--labels", str(tmp_path / "l.tsv"), "--outdir", str(tmp_path / "fm"),
                                 "--pred-threshold", "0.01", "--motif-db", str(tmp_path / "db.meme")])
    assert status == 0
    table = pd.read_csv(tmp_path / "fm" / formats.FILTER_MOTIFS_TSV, sep="\t", keep_default_na=False)
    expected = preloaded_filter_table(model.config)
    assert table["motif_id"].tolist() == expected["motif_id"].tolist()
    assert table["tf"].tolist() == expected["tf"].tolist()
    assert (table["q"].astype(float) == 0).all()
