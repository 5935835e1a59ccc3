"""One JUnit XML file for one submission or a whole class, streamed so that a class's XML is never held in memory
(the suites themselves are report/exports.junit_suite)."""
from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from typing import Any

from grader.course import storage
from grader.report.exports import Counts, junit_suite


class JUnitWriter:
    """Streams <testsuite>s to a scratch file, then writes PATH atomically with the totals on <testsuites>
    (which must come first in the file), so a class's XML never has to be held in memory."""

    def __init__(self, path: str, name: str = "SimpleRNN kata"):
        self.path, self.name, self.totals = path, name, Counts()
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        self._body = tempfile.TemporaryFile("w+", encoding="utf-8", dir=folder)

    def add(self, result: dict[str, Any], suite_name: str) -> None:
        suite, counts = junit_suite(result, suite_name)
        self.totals.add(counts)
        ET.indent(suite, level=1)
        self._body.write("  " + ET.tostring(suite, encoding="unicode") + "\n")

    def close(self) -> None:
        attrs = " ".join(f'{k}="{v}"' for k, v in self.totals.attrs().items())
        self._body.seek(0)
        try:
            with storage.replacing(self.path) as out:
                out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="{self.name}" {attrs}>\n')
                while chunk := self._body.read(1 << 16):
                    out.write(chunk)
                out.write("</testsuites>\n")
        finally:
            self._body.close()
