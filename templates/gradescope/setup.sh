#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (the zip is unpacked in
# /autograder/source). It installs Python 3.11+ and the grader's dependencies in /autograder/source/.venv.
set -euo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    apt-get install -y -qq python3-venv
    PY=python3
else  # Ubuntu 22.04 images ship 3.10; 3.11 is in its universe
    apt-get install -y -qq python3.11 python3.11-venv
    PY=python3.11
fi
"$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python -m grader --help >/dev/null  # fail the build now, not on the first submission
