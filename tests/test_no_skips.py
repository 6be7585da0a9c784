"""Tests that need the model fail when it cannot be loaded; none is ever skipped (a skip turns a
broken install into a green run). This keeps it so."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent
# Spelled in pieces so that this file does not match itself.
FORBIDDEN = re.compile("|".join(["import" + "orskip", r"pytest\." + "skip", r"mark\." + "skip"]))


def test_no_test_skips():
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(TESTS.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == []
