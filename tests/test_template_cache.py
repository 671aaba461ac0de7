"""The compiled-template cache (issue 18, start-up): used only from a private per-user folder, never changes output."""

from __future__ import annotations

import pytest

from annotator.cache import CACHE_ENV
from annotator.render import charts, html, jinja


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(CACHE_ENV, raising=False)
    html.environment.cache_clear()
    charts._environment.cache_clear()
    yield tmp_path / "ctdna-annotator" / "jinja2"
    html.environment.cache_clear()
    charts._environment.cache_clear()


def test_compiled_templates_go_to_a_private_folder(cache_home):
    html.environment().get_template("report.html.j2")
    assert list(cache_home.iterdir()), "no compiled template was cached"
    assert cache_home.stat().st_mode & 0o777 == 0o700


def test_a_folder_others_can_write_is_not_used(cache_home):
    cache_home.mkdir(parents=True)
    cache_home.chmod(0o775)
    assert jinja.bytecode_cache() is None


def test_a_symlinked_folder_is_not_used(cache_home, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    cache_home.parent.mkdir(parents=True)
    cache_home.symlink_to(target)
    assert jinja.bytecode_cache() is None


def test_the_cache_can_be_switched_off(cache_home, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, "1")
    assert jinja.bytecode_cache() is None


def test_output_is_the_same_with_and_without_the_cache(cache_home, monkeypatch, shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R"), ("KRAS", "G12D")], prior=["osimertinib"], tumor_fraction=0.1)
    cold = html.render_html(report)
    html.environment.cache_clear()
    warm = html.render_html(report)  # loaded from the cache written by the first render
    monkeypatch.setenv(CACHE_ENV, "1")
    html.environment.cache_clear()
    assert cold == warm == html.render_html(report)


def test_the_chart_template_is_cached_beside_the_report_template(cache_home, shipped_sample):
    plain = shipped_sample(snvs=[], prior=["osimertinib"], tumor_fraction=0.1)
    assert "<svg" not in html.render_html(plain)
    report_only = len(list(cache_home.iterdir()))  # report.html.j2 and what it includes
    report = shipped_sample(snvs=[("EGFR", "L858R"), ("KRAS", "G12D")], prior=["osimertinib"], tumor_fraction=0.1)
    assert "<svg" in html.render_html(report)
    assert len(list(cache_home.iterdir())) == report_only + 1  # and charts/chart.svg.j2
