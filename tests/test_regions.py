import gzip
import itertools

import numpy as np
import pandas as pd
import pytest

from satori.data.regions import (
    merge_clusters, off_end, parse_chrom_list, read_bed, recentre, region_ids, split_by_chrom, split_random,
    union_labels,
)
from satori.errors import InputError


def _merge_reference(chroms, starts, ends, t):
    """Slow reference: union-find over all pairs sharing more than t bp."""
    n = len(starts)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in itertools.combinations(range(n), 2):
        if chroms[i] == chroms[j] and min(ends[i], ends[j]) - max(starts[i], starts[j]) > t:
            parent[find(i)] = find(j)
    roots = [find(i) for i in range(n)]
    # Renumber by first appearance, as merge_clusters does.
    first = {}
    return np.array([first.setdefault(r, len(first)) for r in roots])


@pytest.mark.parametrize("overlap,merged", [(199, False), (200, False), (201, True)])
def test_merge_rule_at_the_threshold(overlap, merged):
    starts = np.array([1000, 1400 - overlap])
    ends = np.array([1400, 1800])
    cl = merge_clusters(np.array(["c1", "c1"]), starts, ends, 200)
    assert bool(cl[0] == cl[1]) is merged


def test_merge_is_transitive_and_per_chromosome():
    chroms = np.array(["a", "a", "a", "b", "a"])
    starts = np.array([0, 250, 500, 250, 5000])
    ends = np.array([500, 750, 1000, 750, 5100])
    cl = merge_clusters(chroms, starts, ends, 200)
    # 0-1 share 250 bp, 1-2 share 250 bp: one cluster, though 0 and 2 only touch.
    assert cl[0] == cl[1] == cl[2]
    assert len({cl[0], cl[3], cl[4]}) == 3


def test_short_peak_inside_a_long_one_stays_alone():
    cl = merge_clusters(np.array(["a", "a"]), np.array([0, 100]), np.array([1000, 250]), 200)
    assert cl[0] != cl[1]


def test_merge_matches_slow_reference_on_random_intervals():
    rng = np.random.default_rng(1)
    for trial in range(30):
        n = int(rng.integers(1, 60))
        chroms = rng.choice(["c1", "c2", "c3"], n)
        starts = rng.integers(0, 3000, n)
        ends = starts + rng.integers(0, 500, n)
        t = int(rng.choice([0, 50, 200]))
        got = merge_clusters(chroms, starts, ends, t)
        want = _merge_reference(list(chroms), list(starts), list(ends), t)
        np.testing.assert_array_equal(got, want, err_msg=f"trial {trial}")


def test_recentre():
    s, e = recentre(np.array([100, 0, 1001]), np.array([300, 11, 1002]), 600)
    np.testing.assert_array_equal(s, [-100, -295, 701])
    np.testing.assert_array_equal(e - s, [600, 600, 600])
    s, e = recentre(np.array([100]), np.array([300]), 5)
    assert (s[0], e[0]) == (198, 203)


def test_off_end():
    mask = off_end(np.array(["a", "a", "a", "zz"]), np.array([-1, 0, 10, 0]), np.array([10, 100, 101, 5]), {"a": 100})
    np.testing.assert_array_equal(mask, [True, False, True, True])


def test_union_labels():
    cluster = np.array([0, 0, 1, -1])
    labels = union_labels(cluster, np.array([0, 1, 2, 3, 1]), np.array([0, 2, 1, 0, 1]), 2, 3)
    np.testing.assert_array_equal(labels, [[1, 1, 1], [0, 1, 0]])


def test_read_bed_narrowpeak_gz_and_header_lines(tmp_path):
    p = tmp_path / "x.narrowPeak.gz"
    with gzip.open(p, "wt") as fh:
        fh.write("track name=x\n#comment\nchr1\t10\t20\tp1\t0\t.\t1\t1\t1\t5\nchr2\t0\t5\tp2\t0\t.\t1\t1\t1\t2\n")
    bed = read_bed(p)
    assert list(bed["chrom"]) == ["chr1", "chr2"]
    assert list(bed["start"]) == [10, 0] and list(bed["end"]) == [20, 5]
    assert list(bed["name"]) == ["p1", "p2"]


@pytest.mark.parametrize("text,msg", [
    ("chr1\t10\n", "at least 3"),
    ("chr1\t20\t10\n", "start > end"),
    ("chr1\t1.5\t10\n", "non-negative integer"),
    ("chr1\t-5\t10\n", "non-negative integer"),
    ("chr1\t5\t10\nchr1\t7\n", "line 2"),
    ("track x\n", "no intervals"),
])
def test_read_bed_bad_input(tmp_path, text, msg):
    p = tmp_path / "bad.bed"
    p.write_text(text)
    with pytest.raises(InputError, match=msg):
        read_bed(p)


def test_splits():
    keys = parse_chrom_list("chr17, 20,21", "--valid-chroms")
    assert keys == ["17", "20", "21"]
    split = split_by_chrom(["chr1", "17", "chr20", "X", "chrX"], keys, parse_chrom_list("X", "x"))
    assert list(split) == ["train", "valid", "valid", "test", "test"]
    with pytest.raises(InputError, match="share"):
        split_by_chrom(["1"], ["1"], ["1"])
    s = split_random(1000, np.random.default_rng(0))
    assert (s == "valid").sum() == 100 and (s == "test").sum() == 100
    np.testing.assert_array_equal(s, split_random(1000, np.random.default_rng(0)))


def test_region_ids():
    assert region_ids(["chr1"], np.array([5]), np.array([605])) == ["chr1:5-605"]
