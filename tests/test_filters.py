"""Filter PWMs: sites at the true k-mer position (no padding shift), exact counts."""

import numpy as np
import torch

from _interp_data import MOTIF0, MOTIF1, planted_dataset, planted_model
from satori.data.onehot import one_hot
from satori.interpret.hits import filter_thresholds
from satori.interpret.select import scan
from satori.motifs.filters import filter_pwms, site_counts


def _occurrences(seqs, motif):
    return sum(sum(1 for i in range(len(s) - len(motif) + 1) if s[i:i + len(motif)] == motif) for s in seqs)


def test_pwm_recovers_planted_motif_at_the_right_offset():
    ids, seqs, _ = planted_dataset(n_pos=40, n_neg=40)
    model = planted_model()
    X = one_hot(seqs)
    _, conv_max, _ = scan(model, X, batch_size=16)
    thresholds = filter_thresholds(conv_max, 0.65)
    result = filter_pwms(model, X, thresholds, batch_size=16, pseudocount=0.25)
    for f, motif in enumerate((MOTIF0, MOTIF1)):
        n = _occurrences(seqs, motif)
        assert result.n_sites[f] == n > 40
        expected = np.zeros((len(motif), 4))
        for w, base in enumerate(motif):
            expected[w, "ACGT".index(base)] = n
        np.testing.assert_array_equal(result.counts[f], expected)  # a padding shift would move every row
        assert "".join("ACGT"[i] for i in result.pwms[f].argmax(axis=1)) == motif
    assert (result.n_sites[2:] == 0).all()
    np.testing.assert_allclose(result.pwms[2:], 0.25)  # no sites: uniform
    motifs = result.motifs()
    assert [m.id for m in motifs][:3] == ["filter0", "filter1", "filter2"]
    assert motifs[0].nsites == result.n_sites[0]
    assert result.information_content()[0] > 10


def test_site_counts_matches_loop_reference():
    rng = np.random.default_rng(3)
    b, F, L, k = 3, 4, 20, 5
    X = torch.from_numpy(one_hot(["".join(rng.choice(list("ACGTN"), L)) for _ in range(b)])).float()
    acts = torch.from_numpy(rng.random((b, F, L - k + 1)).astype(np.float32))
    thr = torch.tensor([0.2, 0.5, 0.9, 1.5])
    counts, n_sites = site_counts(X, acts, thr, k)
    ref = np.zeros((F, k, 4))
    ref_n = np.zeros(F)
    for n in range(b):
        for f in range(F):
            for i in range(L - k + 1):
                if acts[n, f, i] > thr[f]:
                    ref_n[f] += 1
                    ref[f] += X[n, :, i:i + k].numpy().T
    np.testing.assert_array_equal(counts.numpy(), ref)
    np.testing.assert_array_equal(n_sites.numpy(), ref_n)
    assert ref_n[3] == 0
