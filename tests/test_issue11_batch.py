"""A run of samples never loses a report, never keeps a stale one, and stops when told (issue 11).

Faults are injected for real: a sample's child process is killed with a signal or segfaults
(through a ``sitecustomize`` that the child processes of a CLI run import), the parent gets SIGINT
or SIGKILL, file sizes are capped with ``ulimit -f``.
"""

from __future__ import annotations

import ast
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.atomic import OutputError, check_writable_dir, read_tsv_rows
from annotator.batch import BatchOptions, Outcome, merge_status, read_status_rows, run_batch
from annotator.batch import resume as batch_module
from annotator.batch.status import append_status
from annotator.samplesheet import read_samplesheet
from tests.support.paths import DATA, EXAMPLES, KNOWLEDGEBASE, ROOT

FAULTS = '''
import os
if os.environ.get("CTDNA_TEST_FAULTS"):
    import ctypes, time
    import annotator.batch.sample as b
    faults = dict(item.split("=", 1) for item in os.environ["CTDNA_TEST_FAULTS"].split(","))
    real = b.annotate_row
    def annotate_row(row, options, print_=""):
        fault = faults.get(row.sample_id, "")
        if fault == "segv":
            ctypes.string_at(0)
        if fault == "kill":
            os.kill(os.getpid(), 9)
        if fault.startswith("sleep"):
            time.sleep(float(fault[5:]))
        return real(row, options, print_)
    b.annotate_row = annotate_row
'''


@pytest.fixture
def run_dir(tmp_path):
    """The shipped examples in a folder of their own, a sheet builder and a faults hook for child processes."""
    data = tmp_path / "run"
    data.mkdir()
    for f in EXAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, data / f.name)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FAULTS)
    return data


def sheet(folder: Path, ids: list[str], vcf: str = "no_findings.vcf.gz", therapy: str = "osimertinib", extra: str = "") -> Path:
    path = folder / "sheet.tsv"
    head = "sample_id\tvcf\tprior_therapy" + ("\ttumor_fraction" if extra else "")
    path.write_text(head + "\n" + "".join(f"{i}\t{vcf}\t{therapy}" + (f"\t{extra}" if extra else "") + "\n" for i in ids))
    return path


def cli(args: list, faults: str = "", hook: Path | None = None, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(hook) if hook else "", str(ROOT)]))}
    if faults:
        env["CTDNA_TEST_FAULTS"] = faults
    return subprocess.run([sys.executable, "-m", "annotator.cli", *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=300, cwd=ROOT, **kw)


def status(out: Path) -> dict[str, dict[str, str]]:
    return {r["sample_id"]: r for r in read_status_rows(out)}


# --- one dead child never kills the run ----------------------------------------------------------

@pytest.mark.parametrize("jobs", ["1", "2"])
def test_killed_and_segfaulting_samples_are_recorded_and_the_run_goes_on(run_dir, tmp_path, jobs):
    s = sheet(run_dir, ["A", "SEGV", "KILLED", "D"])
    out = tmp_path / "out"
    proc = cli(["batch", s, "--outdir", out, "--jobs", jobs, "--format", "json"], faults="SEGV=segv,KILLED=kill", hook=tmp_path / "hook")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    rows = status(out)
    assert rows["A"]["status"] == rows["D"]["status"] == "ok"
    assert (rows["SEGV"]["status"], rows["SEGV"]["message"]) == ("crashed", "crashed: signal 11 (SIGSEGV)")
    assert rows["KILLED"]["message"] == "killed: signal 9 (SIGKILL; out of memory?)"
    assert (out / "A.json").is_file() and (out / "D.json").is_file() and not (out / "SEGV.json").exists()
    assert "crashed" in (out / "cohort.tsv").read_text()


def test_single_row_sheet_crash_is_recorded_and_resume_moves_on(run_dir, tmp_path):
    s = sheet(run_dir, ["SEGV"])
    out = tmp_path / "out"
    for extra in ([], ["--resume"]):
        proc = cli(["batch", s, "--outdir", out, "--jobs", "1", "--format", "json", *extra], faults="SEGV=segv", hook=tmp_path / "hook")
        assert proc.returncode == 1 and status(out)["SEGV"]["status"] == "crashed", proc.stderr[-1000:]
    proc = cli(["batch", s, "--outdir", out, "--jobs", "1", "--format", "json", "--resume"])  # the fault is gone
    assert proc.returncode == 0 and status(out)["SEGV"]["status"] == "ok"


# --- status file -----------------------------------------------------------------------------------

def _writer(out: str, prefix: str, append: bool) -> None:
    for i in range(15):
        outcome = Outcome(f"{prefix}_{i}", "ok", "m", 0.1)
        append_status(outcome, Path(out)) if append else merge_status([outcome], Path(out))


@pytest.mark.parametrize("append", [False, True], ids=["merged", "appended"])
def test_eight_concurrent_writers_keep_every_row(tmp_path, append):
    if append:  # appends go to a status file that is already whole (the first one merges)
        merge_status([Outcome("first", "ok", "m", 0.1)], tmp_path)
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_writer, args=(str(tmp_path), f"w{n}", append)) for n in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    assert len(status(tmp_path)) == 8 * 15 + append
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_status_temp_file_is_not_followed_through_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    for pid in range(os.getpid() - 5, os.getpid() + 5):  # the names the old writer would have used
        (out / f".batch_status.tsv.{pid}.part").symlink_to(victim)
    merge_status([Outcome("S1", "ok", "m", 0.1)], out)
    assert victim.read_text() == "precious\n" and status(out)["S1"]["status"] == "ok"


def test_a_tab_or_newline_in_a_sample_id_or_message_never_shifts_columns(tmp_path):
    merge_status([Outcome("P\t1", "failed", "line one\nline\ttwo", 0.1), Outcome("P2", "ok", "fine", 0.2)], tmp_path)
    rows = read_tsv_rows(tmp_path / "batch_status.tsv")
    assert [(r["sample_id"], r["status"], r["message"]) for r in rows] == [("P\t1", "failed", "line one\nline\ttwo"), ("P2", "ok", "fine")]


def test_every_writer_uses_the_one_atomic_helper():
    """No module but annotator/atomic.py creates temporary files or renames them into place."""
    offenders = []
    for path in (ROOT / "annotator").rglob("*.py"):
        if path.name == "atomic.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("replace", "mkstemp", "rename") and isinstance(node.value, ast.Name) \
                    and node.value.id in ("os", "tempfile"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    readers = {"annotator/readers/vcf_scan.py", "annotator/readers/vcf/header.py"}  # scratch inputs for htslib, not outputs
    assert [o for o in offenders if o.split(":")[0] not in readers] == []


# --- Ctrl-C and a killed parent ---------------------------------------------------------------

def _wait_for(predicate, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:"))
    except (OSError, StopIteration):
        return False
    return "Z" not in state.split()[1]


def _popen(args: list, faults: str, hook: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{ROOT}", "CTDNA_TEST_FAULTS": faults}
    return subprocess.Popen([sys.executable, "-m", "annotator.cli", *map(str, args)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find child processes")
def test_ctrl_c_stops_promptly_records_finished_samples_and_exits_130(run_dir, tmp_path):
    ids = ["FAST", "SLOW1", "SLOW2", "Q1", "Q2", "Q3"]
    out = tmp_path / "out"
    faults = "SLOW1=sleep60,SLOW2=sleep60,Q1=sleep60,Q2=sleep60,Q3=sleep60"
    proc = _popen(["batch", sheet(run_dir, ids), "--outdir", out, "--jobs", "2", "--format", "json,html"], faults, tmp_path / "hook")
    assert _wait_for(lambda: status(out).get("FAST", {}).get("status") == "ok" and len(_children(proc.pid)) == 2)
    children = _children(proc.pid)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-1500:]
    assert time.monotonic() - started < 20  # not after 60 s of sleeping samples, let alone the queue
    assert "Traceback" not in stderr
    rows = status(out)
    assert rows["FAST"]["status"] == "ok"
    assert {rows[i]["status"] for i in ("SLOW1", "SLOW2")} == {"interrupted"}
    assert not any(i in rows for i in ("Q1", "Q2", "Q3"))  # never started: no row claims anything
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]
    assert _wait_for(lambda: not any(_alive(c) for c in children), 10)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find child processes")
def test_children_die_with_a_killed_parent(run_dir, tmp_path):
    out = tmp_path / "out"
    proc = _popen(["batch", sheet(run_dir, ["S1", "S2", "S3", "S4"]), "--outdir", out, "--jobs", "2", "--format", "json"],
                  "S1=sleep60,S2=sleep60,S3=sleep60,S4=sleep60", tmp_path / "hook")
    assert _wait_for(lambda: len(_children(proc.pid)) == 2)
    children = _children(proc.pid)
    proc.kill()
    proc.communicate(timeout=10)
    assert _wait_for(lambda: not any(_alive(c) for c in children), 15), "orphan sample processes outlived the parent"
    time.sleep(0.5)
    assert not list(out.glob("S*.json"))  # and nothing went on to write reports for more samples


# --- resume: what it compares ---------------------------------------------------------------------

def _options(out: Path, **kw) -> BatchOptions:
    return BatchOptions(outdir=out, formats=kw.pop("formats", ("json",)), jobs=1, resume=True, **kw)


def _statuses(rows, options) -> list[str]:
    return [o.status for o in run_batch(rows, options).outcomes]


def test_resume_reruns_a_sample_when_anything_it_depends_on_changed(run_dir, tmp_path, monkeypatch):
    from annotator.config import CnvThresholds

    out = tmp_path / "out"
    rows = read_samplesheet(sheet(run_dir, ["S1"]))
    assert _statuses(rows, _options(out)) == ["ok"]
    assert _statuses(rows, _options(out)) == ["skipped"]
    changed_rows = read_samplesheet(sheet(run_dir, ["S1"], therapy="gefitinib"))
    assert _statuses(changed_rows, _options(out)) == ["ok"]  # therapy changed
    assert _statuses(changed_rows, _options(out)) == ["skipped"]
    tf_rows = read_samplesheet(sheet(run_dir, ["S1"], therapy="gefitinib", extra="0.2"))
    assert _statuses(tf_rows, _options(out)) == ["ok"]  # tumor fraction given
    assert _statuses(tf_rows, _options(out, cnv=CnvThresholds(amplification_min_copy_number=6))) == ["ok"]  # thresholds
    assert _statuses(tf_rows, _options(out, formats=("json", "html"))) == ["ok"]  # formats
    monkeypatch.setattr(batch_module, "__version__", "99.0")
    assert _statuses(tf_rows, _options(out, formats=("json", "html"))) == ["ok"]  # software version
    monkeypatch.undo()
    kb = tmp_path / "kb"
    shutil.copytree(KNOWLEDGEBASE, kb)
    with (kb / "drugs.yaml").open("a") as fh:
        fh.write("\n# a reviewed comment changes the knowledgebase's sha256\n")
    assert _statuses(tf_rows, _options(out, formats=("json", "html"), kb_dir=str(kb))) == ["ok"]  # knowledgebase


def test_resume_sees_an_input_replaced_by_an_older_file(run_dir, tmp_path):
    out = tmp_path / "out"
    rows = read_samplesheet(sheet(run_dir, ["S1"]))
    assert _statuses(rows, _options(out)) == ["ok"]
    older = tmp_path / "older.vcf.gz"
    shutil.copy2(run_dir / "egfr_l858r_met_amp.vcf.gz", older)
    os.utime(older, (1_000_000_000, 1_000_000_000))
    shutil.copy2(older, run_dir / "no_findings.vcf.gz")  # cp -p: the replacement looks older than the report
    (run_dir / "no_findings.vcf.gz.tbi").unlink(missing_ok=True)
    assert _statuses(rows, _options(out)) == ["ok"]
    assert any(f["gene"] == "EGFR" for f in json.loads((out / "S1.json").read_text())["findings"])


def test_resume_reruns_an_empty_report_and_the_cohort_marks_unreadable_ones(run_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    s = sheet(run_dir, ["S1", "S2"])
    rows = read_samplesheet(s)
    assert _statuses(rows, _options(out)) == ["ok", "ok"]
    (out / "S1.json").write_text("")
    (out / "S2.json").write_text("{truncated")
    from annotator.cohort import collect

    marked = {c.sample_id: c.status for c in collect(rows, out)}
    assert marked == {"S1": "unreadable", "S2": "unreadable"}
    assert _statuses(rows, _options(out)) == ["ok", "ok"]
    result = run_cli(["cohort", s, "--outdir", out])
    assert result.exit_code == 0


def test_a_failed_rerun_removes_the_old_report(run_dir, tmp_path):
    out = tmp_path / "out"
    s = sheet(run_dir, ["S1"])
    assert _statuses(read_samplesheet(s), _options(out)) == ["ok"]
    shutil.copy(DATA / "truncated.vcf.gz", run_dir / "no_findings.vcf.gz")
    (run_dir / "no_findings.vcf.gz.tbi").unlink(missing_ok=True)
    assert _statuses(read_samplesheet(s), _options(out)) == ["failed"]
    assert not (out / "S1.json").exists() and status(out)["S1"]["status"] == "failed"


# --- output folder faults --------------------------------------------------------------------------

def test_a_file_size_limit_gives_one_line_and_leaves_no_temp_file(run_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    vcf = run_dir / "egfr_l858r_met_amp.vcf.gz"
    code = (f"import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096)); "
            f"import sys; sys.argv = ['ctdna-annotator', 'annotate', {str(vcf)!r}, '--outdir', {str(out)!r}, '--format', 'json,html']; "
            "from annotator.cli import run; run()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr[-1500:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "File too large" in lines[0] and "Traceback" not in proc.stderr
    assert list(out.iterdir()) == []


def test_output_folder_that_is_a_file_is_refused_before_work(run_cli, tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    result = run_cli(["annotate", EXAMPLES / "no_findings.vcf.gz", "--outdir", blocker / "reports", "--format", "json"])
    assert result.exit_code != 0 and "cannot create the output folder" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the EROFS case below covers the path")
def test_read_only_output_folder_is_refused(run_cli, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    result = run_cli(["annotate", EXAMPLES / "no_findings.vcf.gz", "--outdir", folder, "--format", "json"])
    assert result.exit_code == 2 and "not writable" in result.output


def test_read_only_file_system_is_one_line(tmp_path, monkeypatch):
    import errno
    import tempfile

    def refuse(*a, **kw):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="not writable .Read-only file system"):
        check_writable_dir(tmp_path)


# --- review fixes: stale formats, reserved ids, Ctrl-C outside the scheduler, inherited SIG_IGN ---------

def test_a_rerun_with_fewer_formats_leaves_no_stale_report(run_dir, tmp_path):
    out = tmp_path / "out"
    rows = read_samplesheet(sheet(run_dir, ["S1"]))
    assert _statuses(rows, _options(out, formats=("json", "html"))) == ["ok"]
    changed = read_samplesheet(sheet(run_dir, ["S1"], vcf="egfr_l858r_met_amp.vcf.gz", therapy="gefitinib"))
    assert _statuses(changed, _options(out, formats=("json",))) == ["ok"]
    assert (out / "S1.json").is_file() and not (out / "S1.html").exists()  # the old page would show the old sample


def test_ids_that_would_overwrite_the_runs_own_files_are_refused(run_dir, tmp_path, run_cli):
    s = sheet(run_dir, ["cohort", "Batch_Status", "S3"])
    result = run_cli(["batch", s, "--outdir", tmp_path / "out", "--format", "json"])
    assert result.exit_code == 2
    assert "line 2: sample_id 'cohort' would write cohort.*" in result.output
    assert "line 3: sample_id 'Batch_Status' would write Batch_Status.*" in result.output
    assert not (tmp_path / "out").exists()


def test_ctrl_c_while_the_cohort_is_written_exits_130(run_dir, tmp_path):
    hook = tmp_path / "hook"
    (hook / "sitecustomize.py").write_text(FAULTS + (
        "\nif os.environ.get('CTDNA_TEST_SLOW_COHORT'):\n"
        "    import time, annotator.cohort as c\n"
        "    real_cohort = c.write_cohort\n"
        "    def write_cohort(*a, **kw):\n"
        "        open(os.environ['CTDNA_TEST_SLOW_COHORT'], 'w').close()\n"
        "        time.sleep(60)\n"
        "        return real_cohort(*a, **kw)\n"
        "    c.write_cohort = write_cohort\n"))
    flag = tmp_path / "in_cohort"
    env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{ROOT}", "CTDNA_TEST_SLOW_COHORT": str(flag)}
    proc = subprocess.Popen([sys.executable, "-m", "annotator.cli", "batch", str(sheet(run_dir, ["S1"])), "--outdir", str(tmp_path / "out"),
                             "--format", "json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert _wait_for(flag.exists)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-1000:]
    assert "Traceback" not in stderr and status(tmp_path / "out")["S1"]["status"] == "ok"


def test_an_inherited_ignored_sigint_is_kept(run_dir, tmp_path):
    """`batch ... &` from a script ignores the terminal's Ctrl-C; the run must not start honouring it."""
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'hook'}{os.pathsep}{ROOT}", "CTDNA_TEST_FAULTS": "S1=sleep2,S2=sleep2"}
    proc = subprocess.Popen([sys.executable, "-m", "annotator.cli", "batch", str(sheet(run_dir, ["S1", "S2"])), "--outdir", str(tmp_path / "out"),
                             "--format", "json", "--jobs", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert _wait_for(lambda: len(_children(proc.pid)) >= 1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr[-1000:]
    assert {r["status"] for r in status(tmp_path / "out").values()} == {"ok"}


def test_an_input_shared_by_every_sample_is_hashed_once_per_run(run_dir, tmp_path, monkeypatch):
    rows = read_samplesheet(sheet(run_dir, ["S1", "S2", "S3"]))
    hashed: list[str] = []
    real = batch_module.file_sha256
    monkeypatch.setattr(batch_module, "file_sha256", lambda p: hashed.append(str(p)) or real(p))
    monkeypatch.setattr(batch_module, "_SHA256_CACHE", {})
    prints = {batch_module.fingerprint(r, _options(tmp_path / "o"), "kb") for r in rows}
    assert len(prints) == 3 and hashed == [str(rows[0].vcf[0])]  # the three samples share one VCF


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs made by the test (read-only, or tiny) at a folder; skipped where mounting is not allowed."""
    mounted: list[Path] = []

    def _mount(name: str, options: str) -> Path:
        where = tmp_path / name
        where.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip() or proc.returncode}); the EROFS case covers the path")
        mounted.append(where)
        return where

    yield _mount
    for where in mounted:
        subprocess.run(["umount", str(where)], capture_output=True)


@pytest.mark.skipif(shutil.which("mount") is None, reason="no mount command")
def test_a_real_read_only_folder_is_refused_before_work(tmpfs, tmp_path):
    folder = tmpfs("ro", "ro,size=1m")
    proc = cli(["annotate", EXAMPLES / "no_findings.vcf.gz", "--outdir", folder, "--format", "json"])
    assert proc.returncode == 2 and "not writable (Read-only file system)" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and list(folder.iterdir()) == []


@pytest.mark.skipif(shutil.which("mount") is None, reason="no mount command")
def test_a_full_folder_gives_one_line_and_no_temp_file(tmpfs, tmp_path):
    folder = tmpfs("tiny", "size=64k")
    proc = cli(["annotate", EXAMPLES / "egfr_l858r_met_amp.vcf.gz", "--cnv", EXAMPLES / "egfr_l858r_met_amp.cnv.tsv", "--outdir", folder,
                "--format", "json,html,pdf"])
    assert proc.returncode == 2, proc.stderr[-1000:]
    assert "No space left on device" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert list(folder.iterdir()) == []


# --- status file: appended while a run goes (issue 18: a rewrite per sample made a run cost n squared) ---------

def test_rows_are_appended_in_place_and_the_last_row_of_a_sample_wins(tmp_path):
    merge_status([Outcome("S1", "failed", "first try", 0.1)], tmp_path)
    inode = (tmp_path / "batch_status.tsv").stat().st_ino
    append_status(Outcome("S2", "ok", "fine", 0.2), tmp_path)
    append_status(Outcome("S1", "ok", "second try", 0.3), tmp_path)
    assert (tmp_path / "batch_status.tsv").stat().st_ino == inode  # appended, not rewritten
    assert [(r["sample_id"], r["message"]) for r in read_status_rows(tmp_path)] == [("S1", "second try"), ("S2", "fine")]
    merge_status([], tmp_path)
    lines = (tmp_path / "batch_status.tsv").read_text().splitlines()
    assert [line.split("\t")[:3] for line in lines[1:]] == [["S1", "ok", "second try"], ["S2", "ok", "fine"]]


def test_a_damaged_status_file_is_rewritten_not_appended_to(tmp_path):
    (tmp_path / "batch_status.tsv").write_text("sample_id\tstatus\tmessage\tseconds\toutputs\tfingerprint\nS1\tok\tcut sh")
    append_status(Outcome("S2", "ok", "fine", 0.2), tmp_path)
    lines = (tmp_path / "batch_status.tsv").read_text().splitlines()
    assert lines[-1].startswith("S2\tok\tfine\t") and all(line.count("\t") == 5 for line in lines[1:])
    (tmp_path / "batch_status.tsv").write_text("some other header\n")
    append_status(Outcome("S3", "ok", "fine", 0.2), tmp_path)
    assert (tmp_path / "batch_status.tsv").read_text().startswith("sample_id\tstatus\t")


def test_a_skipped_sample_keeps_its_recorded_row(tmp_path):
    merge_status([Outcome("S1", "ok", "annotated", 0.1, ("S1.json",), "abc")], tmp_path)
    append_status(Outcome("S1", "skipped", "up to date", 0.0, ("S1.json",), "abc"), tmp_path)
    assert [(r["status"], r["message"]) for r in read_status_rows(tmp_path)] == [("ok", "annotated")]


def test_a_finished_batch_leaves_one_row_per_sample(run_dir, tmp_path):
    s = sheet(run_dir, ["A", "B"])
    out = tmp_path / "out"
    for _ in range(2):
        proc = cli(["batch", s, "--outdir", out, "--jobs", "2", "--format", "json"])
        assert proc.returncode == 0, proc.stderr[-1000:]
    ids = [line.split("\t")[0] for line in (out / "batch_status.tsv").read_text().splitlines()[1:]]
    assert sorted(ids) == ["A", "B"]


@pytest.mark.parametrize("fault", ["error", "short"])
def test_a_full_disk_while_appending_a_status_row_is_one_line_and_leaves_the_file_whole(tmp_path, monkeypatch, fault):
    import errno

    merge_status([Outcome("S1", "ok", "m", 0.1)], tmp_path)
    before = (tmp_path / "batch_status.tsv").read_bytes()
    real_write = os.write

    def full(fd, data):
        if fault == "error":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data[: len(data) // 2])  # a short write: half the row reached the disk

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OutputError, match=r"cannot write batch_status.tsv \(No space left on device\)"):
        append_status(Outcome("S2", "ok", "m", 0.1), tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "batch_status.tsv").read_bytes() == before
