"""The scratch dir's two ends on the grader's side (grader/run/scratch.py): folders locked by learner code are
given back to their owner, never through a link, and what can't be removed is said. (The hostile corpus fills
and locks a real one: tests/hostile/fill_scratch.py.)"""
import os
import shutil
import subprocess

import pytest

from grader.run import scratch


def test_locked_folders_are_unlocked_but_nothing_is_followed_through_a_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    outside.chmod(0o500)
    path = tmp_path / "scratch"
    (path / "deep" / "deeper").mkdir(parents=True)
    (path / "link").symlink_to(outside)
    for folder in (path / "deep" / "deeper", path / "deep", path):
        folder.chmod(0)
    scratch._unlock(str(path))
    assert oct(outside.stat().st_mode & 0o777) == "0o500"
    assert all(oct(p.stat().st_mode & 0o777) == "0o700" for p in (path, path / "deep", path / "deep" / "deeper"))
    assert scratch.remove(str(path)) is None and not path.exists() and outside.exists()


def test_what_cannot_be_removed_is_said(tmp_path):
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    path = tmp_path / "scratch"
    path.mkdir()
    stuck = path / "stuck"
    stuck.write_text("x")
    if subprocess.run(["chattr", "+i", str(stuck)], capture_output=True).returncode != 0:
        pytest.skip("this file system or user can't make a file immutable (chattr +i needs root and ext4 or alike)")
    try:
        warning = scratch.remove(str(path))
        assert warning.startswith(f"the submission's scratch dir {path} could not be removed (")
        assert warning.endswith(": stuck)")  # the file that is left, as rmtree names it
    finally:
        subprocess.run(["chattr", "-i", str(stuck)])
    assert scratch.remove(str(path)) is None and not path.exists()


def test_a_scratch_dir_that_is_gone_already_is_no_warning(tmp_path):
    assert scratch.remove(str(tmp_path / "never-made")) is None


def test_as_root_the_scratch_dir_is_made_for_the_sandboxs_user():
    if os.getuid() != 0:
        pytest.skip("needs root")
    path = scratch.make((65534, 65534))
    try:
        st = os.stat(path)
        assert (st.st_uid, st.st_gid, oct(st.st_mode & 0o777)) == (65534, 65534, "0o700")
        assert scratch._reachable_by_others(os.path.dirname(path))
    finally:
        os.rmdir(path)
