"""Version numbers agree with each other, so that a release edits its sources, not the tests.

The knowledgebase release header is checked against its changelog in tests/test_kb_content.py."""

from __future__ import annotations

import json
import re
import tomllib

import annotator
from tests.support.paths import ROOT


def test_changelog_names_the_published_report_schema() -> None:
    """The newest 'report schema X.Y' heading of CHANGELOG.md is the schema_version docs/report.schema.json fixes."""
    headings = re.findall(r"^## .*\breport schema (\d+\.\d+)\b", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    assert headings, "no '## ... report schema X.Y' heading in CHANGELOG.md"
    assert headings[0] == schema["properties"]["schema_version"]["const"]


def test_package_version_has_one_source(run_cli) -> None:
    """pyproject takes the version from annotator/__init__.py; --version prints that same value."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert ROOT / project["tool"]["hatch"]["version"]["path"] == ROOT / "annotator" / "__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc|\.dev|\.post)\d+)?", annotator.__version__), annotator.__version__
    assert run_cli(["--version"]).output.split() == ["ctdna-annotator,", "version", annotator.__version__]
