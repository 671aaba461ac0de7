"""Start-up (issue 18): the cyclic garbage collector is off while annotate starts up and back on afterwards,
whatever happens; a command that goes on in the same process is left as it found the collector."""

from __future__ import annotations

import gc

import pytest

from tests.support.examples import example_args


@pytest.mark.parametrize("args", [["--format", "json"], ["--format", "json", "--tumor-type", "no such tumor"]], ids=["ok", "refused"])
def test_the_collector_is_on_again_after_annotate(run_cli, tmp_path, args):
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    result = run_cli(["annotate", *example_args("kif5b_ret"), *args, "--outdir", tmp_path])
    assert result.exit_code == (0 if args == ["--format", "json"] else 2)
    assert gc.isenabled() and gc.get_freeze_count() == frozen  # nothing frozen outside the console entry point

