"""Issue 18, PDF in a batch: what the parent loads before forking its workers, and OpenBLAS kept to one thread
when every core runs a worker. Each check runs in a fresh interpreter, since both depend on what was imported first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PROBE = """
import json, os, sys
from annotator.batch import run
from annotator.render import pdf

run._one_blas_thread(int(sys.argv[1]))
run._warm(None, tuple(sys.argv[2].split(",")))
threads = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("Threads:"))
print(json.dumps({"threads": threads, "env": os.environ.get("OPENBLAS_NUM_THREADS"),
                  "weasyprint": "weasyprint" in sys.modules, "numpy": "numpy" in sys.modules,
                  "stylesheet": pdf.stylesheet.cache_info().currsize, "font_config": pdf._font_config.cache_info().currsize}))
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads thread counts from /proc")


def probe(jobs: int, formats: str, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"} | env
    environ["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", PROBE, str(jobs), formats], cwd=ROOT, env=environ,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_parent_loads_weasyprint_and_the_stylesheet_before_the_fork_but_no_fonts():
    seen = probe(2, "json,html,pdf")
    assert seen["weasyprint"] and seen["numpy"]
    assert seen["stylesheet"] == 1  # parsed once, inherited by every worker
    assert seen["font_config"] == 0  # made in each worker: pango starts threads, which a fork must not copy
    assert probe(2, "json,html")["stylesheet"] == 0  # no PDF asked for: no stylesheet parsed for it


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS starts no extra thread on one core")
def test_with_two_workers_openblas_starts_no_thread_of_its_own():
    one_worker = probe(1, "json")
    two_workers = probe(2, "json")
    assert one_worker["env"] is None  # one worker leaves a core free: OpenBLAS as it comes (here: 2 threads)
    assert two_workers["env"] == "1" and two_workers["threads"] == 1 <= one_worker["threads"]
    assert probe(2, "json", OPENBLAS_NUM_THREADS="2")["env"] == "2"  # the user's own setting is kept
