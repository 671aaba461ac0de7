"""Fixtures only; paths, input builders and other helpers are in tests/support/."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import main
from annotator.config import RunConfig
from annotator.kb.load import get_knowledgebase
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.cli import invoke_console
from tests.support.inputs import PROTEIN_MAF_HEADER
from tests.support.paths import MINI_KB

os.environ.setdefault("SOURCE_DATE_EPOCH", "1764072000")
# The run's caches (compiled templates, validated knowledgebases) go to a folder of this test session, never the user's.
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME = tempfile.mkdtemp(prefix="ctdna-annotator-test-cache-")
atexit.register(shutil.rmtree, _CACHE_HOME, True)


@pytest.fixture
def write(tmp_path):
    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    return _write


@pytest.fixture
def mini_kb():
    return get_knowledgebase(MINI_KB)


@pytest.fixture
def shipped_kb():
    return get_knowledgebase()


@pytest.fixture
def shipped_sample(tmp_path, shipped_kb):
    """Run one clinical scenario on the shipped knowledgebase (GRCh38).

    Small variants are MAF rows carrying their protein change (``(gene, protein)``, or ``(gene, protein, ref_reads,
    alt_reads)``), placed inside the gene: they test the knowledgebase rules, not coordinates. ``cnv`` is
    ``[(gene, copy_number)]``, ``fusions`` ``[(gene5, gene3)]``."""
    genes = {g.symbol: g for g in shipped_kb.genes}

    def _run(snvs=(), cnv=(), fusions=(), prior=(), driver=None, tumor_fraction=None, reads=(950, 50)):
        rows = []
        for n, (gene, protein, *counts) in enumerate(snvs):
            ref_reads, alt_reads = counts or reads
            loc = genes[gene].location.GRCh38
            rows.append(f"{gene}\tGRCh38\t{loc.chrom}\t{loc.start + 1000 + n}\tN\tN\tS1\tp.{protein}\t{ref_reads}\t{alt_reads}\n")
        maf = tmp_path / "s.maf"
        maf.write_text(PROTEIN_MAF_HEADER + "".join(rows))
        cnv_file = tmp_path / "s.cnv.tsv"
        cnv_file.write_text("gene\tcopy_number\n" + "".join(f"{g}\t{v}\n" for g, v in cnv))
        fus_file = tmp_path / "s.fusions.tsv"
        fus_file.write_text("gene5\tgene3\n" + "".join(f"{a}\t{b}\n" for a, b in fusions))
        inputs = SampleInputs(vcfs=(maf,), cnv=(cnv_file,), fusions=(fus_file,), prior_therapies=tuple(prior), driver=driver)
        return annotate_sample(inputs, RunConfig(genome="GRCh38", tumor_fraction=tumor_fraction), shipped_kb)

    return _run


@pytest.fixture
def run_cli():
    """Invoke the click group in-process (click's own error handling); returns click's Result."""

    def _run(args: list[str]):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return _run


@pytest.fixture
def console(capfd):
    """The console entry point (``annotator.cli.run``) in-process: ``console(args, cwd) -> CliOutcome``, whose
    stderr includes what was written straight to file descriptor 2 (see tests/support/cli.py)."""
    return partial(invoke_console, capfd=capfd)
