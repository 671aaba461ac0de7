"""Golden JSON reports of the shipped examples: a field lost, renamed or changed in meaning fails here.

Tolerance policy (also in tests/golden/README.md):

* every key must be present, with the same nesting, and no new key may appear (a new field is a schema
  change: regenerate the golden files in the same commit, with a CHANGELOG line);
* numbers (floats) agree within a relative 1e-6 or an absolute 1e-9; integers, strings, booleans and
  nulls exactly; lists in the same order;
* three values change without any change of meaning and are compared by type only: ``software_version``,
  ``knowledgebase.version`` and ``knowledgebase.sha256`` (a curator's edit changes them);
* ``generated_at`` is fixed by ``SOURCE_DATE_EPOCH`` (conftest) and compared exactly.

Regenerate after an intended change (and read the diff before committing it):

    CTDNA_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_golden_reports.py
"""

from __future__ import annotations

import json
import math
import os

import pytest

from tests.support.examples import CASES, example_args
from tests.support.paths import GOLDEN

BY_TYPE_ONLY = {("software_version",), ("knowledgebase", "version"), ("knowledgebase", "sha256")}
REL, ABS = 1e-6, 1e-9


def differences(expected, actual, path: tuple = ()) -> list[str]:
    """Every place where ``actual`` departs from ``expected`` under the policy above."""
    where = "/".join(map(str, path)) or "(root)"
    if path in BY_TYPE_ONLY:
        return [] if type(expected) is type(actual) else [f"{where}: type {type(actual).__name__}, expected {type(expected).__name__}"]
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [f"{where}: key {k!r} lost" for k in expected if k not in actual]
        out += [f"{where}: key {k!r} new" for k in actual if k not in expected]
        for k in expected:
            if k in actual:
                out += differences(expected[k], actual[k], (*path, k))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(actual)} items, expected {len(expected)}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for d in differences(e, a, (*path, i))]
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return [] if math.isclose(expected, actual, rel_tol=REL, abs_tol=ABS) else [f"{where}: {actual!r}, expected {expected!r}"]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}: {actual!r}, expected {expected!r}"]
    return []


@pytest.mark.parametrize("name", CASES)
def test_example_report_matches_its_golden_json(run_cli, tmp_path, name):
    extra, sample_id, _, _ = CASES[name]
    result = run_cli(["annotate", *example_args(name), "--tumor-type", "NSCLC", *extra, "--format", "json", "--outdir", tmp_path])
    assert result.exit_code == 0, result.output
    actual = json.loads((tmp_path / f"{sample_id}.json").read_text())
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("CTDNA_REGENERATE_GOLDEN"):
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}: regenerate (see this module's docstring)"
    found = differences(json.loads(golden.read_text(encoding="utf-8")), actual)
    assert not found, f"{len(found)} difference(s) from {golden.name}:\n" + "\n".join(found[:40])


def test_the_policy_catches_what_it_must():
    """The comparison itself: a lost field, a new one, a drifted number and a changed string all fail."""
    base = {"a": 0.25, "b": "x", "c": [1, {"d": None}], "software_version": "1.0", "knowledgebase": {"sha256": "aa", "version": "1"}}
    assert differences(base, json.loads(json.dumps(base))) == []
    assert differences(base, {**base, "software_version": "2.0", "knowledgebase": {"sha256": "bb", "version": "2"}}) == []
    assert differences(base, {**base, "a": 0.25 + 1e-12}) == []
    assert differences(base, {**base, "a": 0.2501}) == ["a: 0.2501, expected 0.25"]
    assert differences(base, {k: v for k, v in base.items() if k != "b"}) == ["(root): key 'b' lost"]
    assert differences(base, {**base, "e": 1}) == ["(root): key 'e' new"]
    assert differences(base, {**base, "c": [1, {"d": 0.0}]}) == ["c/1/d: 0.0, expected None"]
    assert differences(base, {**base, "a": None}) == ["a: None, expected 0.25"]


def test_golden_files_exist_for_every_example():
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(CASES)


def test_relative_vaf_is_set_and_right(run_cli, tmp_path):
    """The driver-relative VAF is shown and published: a report that never set it must fail."""
    extra, sample_id, _, _ = CASES["egfr_ex19del_kras_pik3ca"]
    result = run_cli(["annotate", *example_args("egfr_ex19del_kras_pik3ca"), *extra, "--format", "json", "--outdir", tmp_path])
    assert result.exit_code == 0, result.output
    rows = [r for r in json.loads((tmp_path / f"{sample_id}.json").read_text())["alterations"] if r["observation"]["kind"] == "small_variant"]
    driver = next(r for r in rows if r["role"] == "primary_driver")
    assert driver["relative_vaf"] == 1.0
    for r in rows:
        vaf = r["observation"]["vaf"]
        assert r["relative_vaf"] == pytest.approx(round(vaf / driver["observation"]["vaf"], 3)), r["label"]
    assert any(r["relative_vaf"] not in (None, 1.0) for r in rows)


