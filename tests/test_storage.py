"""Atomic writes (grader/course/storage.py): a file is swapped in whole, and a target that is not a regular file
(/dev/null, a FIFO) is written to, never replaced: `--json /dev/null` as root must not turn the device into a file."""
import os
import stat
import threading

import pytest

from grader.course import storage


def test_a_regular_file_is_swapped_in_whole(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with storage.replacing(str(target)) as f:
            f.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]
    storage.write_text(str(target), "new")
    assert target.read_text() == "new"


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_is_written_to_not_replaced(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    storage.write_text(str(null), "a result nobody keeps")
    assert stat.S_ISCHR(os.stat(null).st_mode) and [p.name for p in tmp_path.iterdir()] == ["null"]


def test_a_fifo_gets_the_text_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    storage.write_text(str(fifo), "through the pipe")
    reader.join(timeout=10)
    assert got == ["through the pipe"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
