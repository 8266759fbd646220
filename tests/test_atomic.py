import pytest

from satori.atomic import staged_outdir, write_text


def test_write_text_replaces(tmp_path):
    write_text(tmp_path / "a.txt", "one")
    write_text(tmp_path / "a.txt", "two")
    assert (tmp_path / "a.txt").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_staged_outdir_commits_on_success(tmp_path):
    out = tmp_path / "out"
    with staged_outdir(out) as stage:
        (stage / "x.tsv").write_text("x")
        (stage / "sub").mkdir()
        (stage / "sub" / "y.tsv").write_text("y")
    assert (out / "x.tsv").read_text() == "x"
    assert (out / "sub" / "y.tsv").read_text() == "y"
    assert sorted(p.name for p in out.iterdir()) == ["sub", "x.tsv"]


def test_staged_outdir_leaves_nothing_on_failure(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with staged_outdir(out) as stage:
            (stage / "x.tsv").write_text("x")
            raise RuntimeError("boom")
    assert not out.exists()

    out.mkdir()
    (out / "keep.txt").write_text("k")
    with pytest.raises(RuntimeError):
        with staged_outdir(out) as stage:
            (stage / "x.tsv").write_text("x")
            raise RuntimeError("boom")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]



def test_outputs_get_umask_permissions_not_0600(tmp_path):
    import os
    import stat

    from satori.atomic import _UMASK

    write_text(tmp_path / "a.txt", "x")
    assert stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == 0o666 & ~_UMASK
