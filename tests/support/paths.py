"""Where the repository, its fixtures and the shared third-party data are; and skipping once when data is absent.

``../shared`` (beside the repository, never copied into it) holds real third-party files (``realdata``) and the
source texts of the knowledgebase (``seeds``). A test module or test function that needs them skips once, naming
what is missing, instead of once per gene or file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "annotator"
KNOWLEDGEBASE = ROOT / "knowledgebase"
EXAMPLES = ROOT / "example_vcfs"
TESTS = ROOT / "tests"
DATA = TESTS / "data"
GOLDEN = TESTS / "golden"
MINI_KB = TESTS / "fixtures" / "mini_kb"
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
SEEDS = SHARED / "seeds"


def absent(path: Path, what: str) -> str:
    """The skip reason for missing shared data: what it is and where it was looked for."""
    return f"{path} not present: {what} unavailable"


def require(path: Path, what: str) -> Path:
    """``path``, or skip the calling test (one file of the shared data)."""
    if not path.exists():
        pytest.skip(absent(path, what))
    return path


def require_realdata(*parts: str) -> Path:
    return require(REALDATA.joinpath(*parts), "real third-party file")


def skip_module_without(path: Path, what: str) -> None:
    """Skip the whole calling module once (one skip in the summary) when ``path`` is absent.

    Call it before the module reads the data at import time, e.g. to parametrize over it."""
    if not path.exists():
        pytest.skip(absent(path, what), allow_module_level=True)


def parametrize_if(path: Path, what: str, argnames: str | Sequence[str],
                   cases: Iterable[Any] | Callable[[], Iterable[Any]],
                   ids: Sequence[str] | None = None) -> pytest.MarkDecorator:
    """``pytest.mark.parametrize`` over shared data: ``cases`` when ``path`` exists, else one case that skips, so
    that the test is one skip with its reason, not one skip per gene or file.

    ``cases`` may be a function, called only when ``path`` exists: cases computed from the shared data itself (the
    entries a table covers) are then read at collection time, and never when it is absent."""
    if path.exists():
        return pytest.mark.parametrize(argnames, list(cases() if callable(cases) else cases), ids=ids)
    names = [n.strip() for n in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
    skip = pytest.mark.skip(reason=absent(path, what))
    return pytest.mark.parametrize(argnames, [pytest.param(*[None] * len(names), id="absent", marks=skip)])
