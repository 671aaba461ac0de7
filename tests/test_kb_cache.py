"""The validated-knowledgebase cache (issue 18, start-up): a load from the cache equals one from the YAML; an
edited knowledgebase, an unsafe folder, a corrupt entry or the switch all fall back to the YAML."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from annotator.cache import CACHE_ENV
from annotator.kb import cached, load
from tests.support.paths import KNOWLEDGEBASE


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """A fresh cache home; yields the knowledgebase cache folder (not yet created)."""
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(CACHE_ENV, raising=False)
    return home / "ctdna-annotator" / cached.FOLDER


@pytest.fixture
def kb_copy(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(KNOWLEDGEBASE, root)
    return root


@pytest.fixture
def parses(monkeypatch):
    """How many knowledgebase files were parsed from YAML so far (a load from the cache parses none)."""
    count = [0]
    real = load._parse_yaml

    def counting(*args, **kwargs):
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "_parse_yaml", counting)
    return count


def _entries(folder):
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def test_a_second_load_comes_from_the_cache_and_equals_the_yaml(cache_home, kb_copy, parses, monkeypatch):
    first = load.load_knowledgebase(kb_copy)
    assert parses[0] > 0 and len(_entries(cache_home)) == 1
    assert cache_home.stat().st_mode & 0o777 == 0o700 and _entries(cache_home)[0].stat().st_mode & 0o777 == 0o600
    before = parses[0]
    second = load.load_knowledgebase(kb_copy)
    assert parses[0] == before, "the second load parsed YAML"
    monkeypatch.setenv(CACHE_ENV, "1")
    from_yaml = load.load_knowledgebase(kb_copy)
    assert second == first == from_yaml
    assert second.model_dump_json() == from_yaml.model_dump_json()


def test_an_edited_knowledgebase_is_loaded_from_its_yaml(cache_home, kb_copy, parses):
    old = load.load_knowledgebase(kb_copy)
    release = kb_copy / "release.yaml"
    release.write_text(release.read_text() + "\n# edited\n")
    before = parses[0]
    new = load.load_knowledgebase(kb_copy)
    assert parses[0] > before and new.sha256 != old.sha256
    assert len(_entries(cache_home)) == 2


def test_an_invalid_knowledgebase_is_refused_every_time_and_never_stored(cache_home, kb_copy):
    genes = kb_copy / "genes.yaml"
    genes.write_text(genes.read_text() + "\n- symbol: 7\n")
    for _ in range(2):
        with pytest.raises(load.KnowledgebaseError):
            load.load_knowledgebase(kb_copy)
    assert _entries(cache_home) == []


def test_a_folder_others_can_read_is_not_used(cache_home, kb_copy, parses):
    load.load_knowledgebase(kb_copy)
    cache_home.chmod(0o755)
    before = parses[0]
    load.load_knowledgebase(kb_copy)
    assert parses[0] > before


def test_a_symlinked_folder_is_not_used(cache_home, kb_copy, parses, tmp_path):
    load.load_knowledgebase(kb_copy)  # a good entry...
    elsewhere = tmp_path / "elsewhere"
    cache_home.rename(elsewhere)  # ...moved behind a symlink
    cache_home.symlink_to(elsewhere)
    before = parses[0]
    load.load_knowledgebase(kb_copy)
    assert parses[0] > before


def test_a_symlinked_entry_is_not_followed(cache_home, kb_copy, parses, tmp_path):
    load.load_knowledgebase(kb_copy)
    entry = _entries(cache_home)[0]
    outside = tmp_path / "outside.json"
    entry.rename(outside)
    entry.symlink_to(outside)
    before = parses[0]
    load.load_knowledgebase(kb_copy)
    assert parses[0] > before


@pytest.mark.parametrize("damage", ["truncated", "not json", "another knowledgebase", "empty"])
def test_a_corrupt_entry_is_ignored_and_written_again(cache_home, kb_copy, parses, damage):
    good = load.load_knowledgebase(kb_copy)
    entry = _entries(cache_home)[0]
    text = entry.read_text()
    if damage == "truncated":
        entry.write_text(text[: len(text) // 2])
    elif damage == "not json":
        entry.write_bytes(b"\x00\xff garbage")
    elif damage == "another knowledgebase":
        entry.write_text(json.dumps({**json.loads(text), "sha256": "0" * 64}))
    else:
        entry.write_text("")
    before = parses[0]
    again = load.load_knowledgebase(kb_copy)
    assert parses[0] > before and again == good
    assert entry.read_text() == text, "the entry was not written again whole"
    before = parses[0]
    assert load.load_knowledgebase(kb_copy) == good and parses[0] == before


def test_the_switch_turns_the_cache_off(cache_home, kb_copy, parses, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, "1")
    load.load_knowledgebase(kb_copy)
    before = parses[0]
    load.load_knowledgebase(kb_copy)
    assert parses[0] > before and _entries(cache_home) == []


@pytest.fixture
def fingerprint():
    """The code fingerprint computed afresh inside the test, and again afterwards."""
    cached._code_fingerprint.cache_clear()
    yield
    cached._code_fingerprint.cache_clear()


def test_an_edit_to_the_schema_code_names_another_entry(tmp_path, monkeypatch, fingerprint):
    name = cached.entry_name("a" * 64)
    assert name is not None and cached.entry_name("b" * 64) != name
    sources = tmp_path / "kb_sources"
    shutil.copytree(Path(load.__file__).parent, sources, ignore=shutil.ignore_patterns("__pycache__"))
    schema = sources / "schema.py"
    schema.write_text(schema.read_text() + "\n# a field added\n")
    monkeypatch.setattr(cached.resources, "files", lambda package: sources)
    cached._code_fingerprint.cache_clear()
    assert cached.entry_name("a" * 64) not in (None, name)


def test_a_new_pydantic_names_another_entry(monkeypatch, fingerprint):
    name = cached.entry_name("a" * 64)
    monkeypatch.setattr(cached.pydantic, "VERSION", "0.0.0")
    cached._code_fingerprint.cache_clear()
    assert cached.entry_name("a" * 64) not in (None, name)


@pytest.mark.skipif(os.getuid() != 0, reason="giving the folder to another user needs root")
def test_a_folder_of_another_user_is_not_used(cache_home, kb_copy, parses):
    load.load_knowledgebase(kb_copy)
    os.chown(cache_home, 65534, -1)
    before = parses[0]
    load.load_knowledgebase(kb_copy)
    assert parses[0] > before


@pytest.mark.parametrize("change", ["others_may_write", "another_owner"])
def test_a_parent_folder_others_control_is_not_used(cache_home, kb_copy, parses, change):
    """Whoever controls the parent can swap the private folder for another one between the check and the read."""
    load.load_knowledgebase(kb_copy)
    parent = cache_home.parent
    if change == "others_may_write":
        parent.chmod(0o777)
    else:
        os.chown(parent, 65534, -1)
    before = parses[0]
    load.load_knowledgebase(kb_copy)
    assert parses[0] > before
