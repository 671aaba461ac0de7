"""The command line as a user meets it: the console entry point's exit status and what reaches the terminal.

In-process runs go through click's ``CliRunner`` but call ``annotator.cli.run`` (the ``ctdna-annotator``
script's function, which turns every error into one ``Error:`` line and exit status 2), not the click group
(whose standalone mode prints errors its own way). ``CliRunner`` captures ``sys.stderr``; htslib writes beneath
it, to file descriptor 2, so the caller passes pytest's ``capfd`` and what reached fd 2 counts as stderr too:
a message leaking past the reader's capture fails a test here as it would in a terminal. Warnings are errors
under this suite's pytest configuration, so one cannot pass unseen either.
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from contextlib import chdir
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import click
import pytest
from click.testing import CliRunner

from annotator.cli import run
from tests.support.paths import ROOT

PROG = "ctdna-annotator"


@dataclass(frozen=True)
class CliOutcome:
    """What a user sees: the same fields as ``subprocess.CompletedProcess``, so either can be checked alike."""

    returncode: int
    stdout: str
    stderr: str


class _ConsoleScript(click.Command):
    """``annotator.cli.run`` as ``CliRunner`` invokes a command: arguments in ``sys.argv``, the exit by SystemExit."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any) -> Any:
        # click names the program from sys.argv[0] unless __main__ is a package (python -m pytest): as the script.
        with mock.patch.object(sys, "argv", [prog_name or PROG, *(args or ())]), \
                mock.patch.object(sys.modules["__main__"], "__package__", None, create=True):
            try:
                run()
            finally:
                gc.unfreeze()  # run() leaves start-up's objects frozen for its process's end; this process goes on


def invoke_console(args: Sequence[object], cwd: Path, capfd: pytest.CaptureFixture[str]) -> CliOutcome:
    """Run the console entry point in-process from ``cwd``; ``capfd`` collects what bypasses ``sys.stderr``."""
    capfd.readouterr()
    with chdir(cwd):
        result = CliRunner().invoke(_ConsoleScript(PROG), [str(a) for a in args], prog_name=PROG, catch_exceptions=False)
    beneath = capfd.readouterr()
    return CliOutcome(result.exit_code, result.stdout + beneath.out, result.stderr + beneath.err)


def console_command() -> list[str]:
    """The installed ``ctdna-annotator`` script of this interpreter (or on PATH), else ``python -m annotator.cli``."""
    script = Path(sysconfig.get_path("scripts")) / PROG
    found = str(script) if script.is_file() else shutil.which(PROG)
    return [found] if found else [sys.executable, "-m", "annotator.cli"]


def console_subprocess(args: Sequence[object], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process, importing this checkout's code (PYTHONPATH)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*console_command(), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def assert_clean_failure(proc: CliOutcome | subprocess.CompletedProcess[str], outdir: Path, *needles: str) -> None:
    """Bad input: exit status 2, exactly one stderr line naming the problem, no traceback, no output file."""
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not outdir.exists() or not any(outdir.iterdir()), list(outdir.iterdir())
