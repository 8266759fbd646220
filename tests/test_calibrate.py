"""Calibrated TomTom: trimming, the per-target null and its tail, the disk cache, motif clusters."""

import numpy as np
import pytest

from satori.motifs import calibrate as C
from satori.motifs.clusters import cluster_name, common_prefix_name, database_clusters
from satori.motifs.io import Motif, information_content


def test_trim_drops_flanks_only():
    rng = np.random.default_rng(0)
    for _ in range(50):
        pwm = rng.dirichlet(np.ones(4) * rng.choice([0.2, 1.0, 5.0]), size=int(rng.integers(1, 15)))
        start, stop = C.trim(pwm, 0.4)
        ic = [2 + sum(p * np.log2(p) for p in col) for col in pwm]
        informative = [i for i, v in enumerate(ic) if v >= 0.4]
        if not informative:
            assert start == stop
        else:
            assert (start, stop) == (informative[0], informative[-1] + 1)


def test_survival_matches_reference():
    rng = np.random.default_rng(1)
    n_t = 3
    z = rng.exponential(scale=[1.0, 2.0, 0.5], size=(C.N_STRATA * 200, n_t))
    strata = np.repeat(np.arange(C.N_STRATA), 200)
    null = C.fit_null(z, strata)
    queries = rng.exponential(3.0, size=(7, n_t))
    q_strata = rng.integers(0, C.N_STRATA, size=7)
    got = null.survival(queries, q_strata)
    for i in range(7):
        s = q_strata[i]
        for t in range(n_t):
            zs = z[strata == s, t]
            u = np.quantile(zs, 1 - C.TAIL_FRACTION, method="higher")
            if queries[i, t] > u:
                beta = np.mean(zs[zs > u] - u)
                ref = C.TAIL_FRACTION * np.exp(-(queries[i, t] - u) / beta)
            else:  # the smallest survival level whose knot is <= z (step function)
                knots = np.quantile(zs, 1 - C.SURVIVAL_LEVELS, method="higher")
                ok = [lv for lv, k in zip(C.SURVIVAL_LEVELS, knots) if queries[i, t] >= k]
                ref = min(ok) if ok else 1.0
            assert got[i, t] == pytest.approx(ref, rel=1e-9)
    # the tail scale of an exponential null recovers its scale
    assert null.scale[:, 1].mean() == pytest.approx(2.0, rel=0.25)


@pytest.fixture(scope="module")
def jaspar_subset():
    from satori.motifs.jaspar import load_jaspar

    db = load_jaspar()
    rng = np.random.default_rng(3)
    long = [m for m in db if m.width >= 20]  # CTCF and friends: the ones that won by length
    rest = [db[i] for i in rng.choice(len(db), size=100, replace=False) if db[i].width < 20]
    return sorted(long + rest, key=lambda m: m.id)


def _random_pwms(rng, n):
    out = []
    while len(out) < n:
        alpha = float(np.exp(rng.uniform(np.log(0.2), np.log(3.0))))
        pwm = rng.dirichlet([alpha] * 4, size=int(rng.integers(10, 17)))
        if 4 <= information_content(pwm) <= 10:
            out.append(pwm)
    return out


def test_random_pwms_stay_unnamed_and_real_ones_are_named(jaspar_subset, tmp_path, monkeypatch):
    from satori.motifs.tomtom import annotate_filters

    monkeypatch.setenv("SATORI_CACHE_DIR", str(tmp_path))
    db = jaspar_subset
    rng = np.random.default_rng(11)
    rand = [Motif(f"filter{i}", f"filter{i}", p, 50) for i, p in enumerate(_random_pwms(rng, 80))]
    ic = np.array([information_content(m.pwm) for m in rand])
    clusters = database_clusters(db, threads=1)
    calibrated, _ = annotate_filters(rand, ic, db, threads=1, clusters=clusters)
    raw, _ = annotate_filters(rand, ic, db, threads=1, calibrate=False, clusters=clusters)
    n_cal, n_raw = int((calibrated["tf"] != "").sum()), int((raw["tf"] != "").sum())
    assert n_cal <= 0.05 * len(rand)
    assert n_raw > 0.2 * len(rand)  # memelite's p alone names many random PWMs (the bug)

    # JASPAR motifs re-estimated from 40 sites, padded by up to 3 random columns
    picks = rng.choice(len(db), size=30, replace=False)
    real = []
    for k, i in enumerate(picks):
        counts = np.stack([rng.multinomial(40, c / c.sum()) for c in db[i].pwm]) + 0.25
        pwm = np.concatenate([rng.dirichlet(np.ones(4), size=int(rng.integers(0, 4))), counts / counts.sum(1, keepdims=True),
                              rng.dirichlet(np.ones(4), size=int(rng.integers(0, 4)))])
        real.append(Motif(f"filter{k}", f"filter{k}", pwm, 40))
    table, _ = annotate_filters(real, np.zeros(len(real)), db, threads=1, clusters=clusters)
    right = sum(tf.lower() in {t.lower() for t in clusters.tfs_of(db[i].id)} for tf, i in zip(table["tf"], picks))
    assert right >= 0.8 * len(real)
    assert (table.loc[table["tf"] != "", "cluster_id"].str.match(r"^C\d{3}$")).all()


def test_null_is_cached_per_database(tmp_path, monkeypatch):
    monkeypatch.setenv("SATORI_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(2)
    db = [Motif(f"M{i}", f"TF{i}", rng.dirichlet(np.ones(4) * 0.5, size=8)) for i in range(30)]
    first = C.load_null(db, threads=1)
    files = list((tmp_path / "tomtom_null").glob("*.npz"))
    assert len(files) == 1
    again = C.load_null(db, threads=1)
    np.testing.assert_array_equal(first.knots, again.knots)
    changed = db[:-1] + [Motif("M29", "TF29", rng.dirichlet(np.ones(4) * 0.5, size=8))]
    assert C.database_key(changed) != C.database_key(db)
    assert C.database_key(db) == C.database_key(list(db))


def test_cluster_names_and_cache(tmp_path, monkeypatch):
    assert common_prefix_name(["FOXA1", "FOXA2", "FOXC1"]) == "FOX"
    assert common_prefix_name(["Runx1", "RUNX2", "Bcl11B"]) == "RUNX"
    assert common_prefix_name(["HOXB8", "BARX1", "BSX"]) == ""
    assert cluster_name(["FOXA1", "FOXA2", "FOXC1", "FOXB1"]) == "FOX: FOXA1/FOXA2/FOXC1…"
    assert cluster_name(["CTCF"]) == "CTCF"
    assert cluster_name(["GATA1", "TAL1::GATA1"]) == "GATA1/TAL1::GATA1"

    monkeypatch.setenv("SATORI_CACHE_DIR", str(tmp_path))
    onehot = lambda s: np.array([[0.91 if b == c else 0.03 for c in "ACGT"] for b in s])  # noqa: E731
    db = [Motif("A1", "FOXA1", onehot("TGTTTAC")), Motif("A2", "FOXA2", onehot("TGTTTACT")),
          Motif("G1", "GATA4", onehot("AGATAAGG"))]
    rng = np.random.default_rng(0)
    db += [Motif(f"D{i}", f"decoy{i}", rng.dirichlet(np.ones(4) * 0.7, size=8)) for i in range(25)]
    cl = database_clusters(db)
    cid, name, tfs = cl.of_motif("A2")
    assert cl.of_motif("A1")[0] == cid != cl.of_motif("G1")[0]
    assert set(tfs) == {"FOXA1", "FOXA2"} and name.startswith("FOXA: ")
    assert cid == "C001"  # numbered by first appearance in database order
    assert len(list((tmp_path / "motif_clusters").glob("*.json"))) == 1
    again = database_clusters(db)
    np.testing.assert_array_equal(again.labels, cl.labels)
    assert cl.of_motif("nope") == ("", "", [])
