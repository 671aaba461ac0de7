"""Issue 18's "byte-identical before and after": write every output for the examples and the benchmark
inputs with one checkout, then compare two such snapshots file by file.

    python benchmarks/outputs.py snapshot DIR [--workdir /tmp/ctdna-table-bench] [--samples 1000]
    python benchmarks/outputs.py compare BEFORE AFTER [--except-charts-and-style]

``snapshot`` runs this checkout's ``annotator`` (repository root on PYTHONPATH, as benchmarks/table.py
does) with ``SOURCE_DATE_EPOCH`` fixed, over: the shipped examples (``example_vcfs/samplesheet.tsv``,
JSON+HTML), the 1M-record benchmark VCF unindexed and indexed (JSON) and the first ``--samples`` panel
samples of the batch benchmark (JSON+HTML), with each batch's cohort summary. The inputs are the ones
``benchmarks/table.py`` generates (``prepare``; generated here when missing). PDFs are not compared: a change of print layout changes
them on purpose, and their page count is tested instead.

``compare`` lists every file that differs or exists on one side only and exits 1 if any does. With
``--except-charts-and-style``, an HTML file also counts as identical when it differs only inside its
``<svg>`` charts and its ``<style>`` block (for a change that redraws the charts or the print CSS on
purpose: that mode blanks the whole style block and every chart, so it is for comparing across such a
change only, never for two checkouts that should agree); JSON and the cohort table must always be
byte-identical. Batch bookkeeping files (status, logs) are left out: they hold timings.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "annotator.cli"]
EPOCH = "1700000000"
REPORT_SUFFIXES = (".json", ".html", ".tsv")
_CHARTS = re.compile(r"<svg\b.*?</svg>", re.S)
_STYLE = re.compile(r"<style\b.*?</style>", re.S)


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.decode(errors='replace')[-2000:]}")


def snapshot(dest: Path, workdir: Path, samples: int) -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.table import prepare

    inp = prepare(workdir, 1_000_000, 1000, 20)
    sheet = inp.data / f"samplesheet_outputs_{samples}.tsv"  # beside the samples: sheet paths are relative to it
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    sheet.write_text("".join(inp.sheet.read_text().splitlines(keepends=True)[: samples + 1]))
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    examples = ROOT / "example_vcfs" / "samplesheet.tsv"
    _run(CLI + ["batch", str(examples), "--outdir", str(dest / "examples"), "--format", "json,html"], env)
    _run(CLI + ["batch", str(sheet), "--outdir", str(dest / "panel"), "--format", "json,html", "--jobs", "2"], env)
    for name, vcf in (("unindexed", inp.unindexed), ("indexed", inp.indexed)):
        _run(CLI + ["annotate", "--format", "json", "--outdir", str(dest / name), str(vcf)], env)
    print(f"{sum(1 for _ in _reports(dest))} reports written under {dest}")


def _reports(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.suffix in REPORT_SUFFIXES and _is_report(p))


def _is_report(path: Path) -> bool:
    return not path.name.startswith(("batch_", "status")) and path.parent.name != "logs"


def _same(a: bytes, b: bytes, suffix: str, lenient: bool) -> bool:
    if a == b:
        return True
    if not lenient or suffix != ".html":
        return False
    def strip(text: bytes) -> str:
        return _STYLE.sub("<style/>", _CHARTS.sub("<svg/>", text.decode("utf-8")))
    return strip(a) == strip(b)


def compare(before: Path, after: Path, lenient: bool) -> int:
    left, right = set(_reports(before)), set(_reports(after))
    problems = [f"only in {before}: {p}" for p in sorted(left - right)] + [f"only in {after}: {p}" for p in sorted(right - left)]
    same = 0
    for rel in sorted(left & right):
        if _same((before / rel).read_bytes(), (after / rel).read_bytes(), rel.suffix, lenient):
            same += 1
        else:
            problems.append(f"differs: {rel}")
    for line in problems:
        print(line)
    kind = "identical outside charts and <style>" if lenient else "byte-identical"
    print(f"{same} of {len(left | right)} reports {kind}")
    return 1 if problems else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot", help="write every output of this checkout under DIR")
    snap.add_argument("dest", type=Path)
    snap.add_argument("--workdir", type=Path, default=Path("/tmp/ctdna-table-bench"))
    snap.add_argument("--samples", type=int, default=1000, help="panel samples from the batch benchmark (default all 1,000)")
    cmp_ = sub.add_parser("compare", help="compare two snapshots; exit 1 if any report differs")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    cmp_.add_argument("--except-charts-and-style", action="store_true",
                      help="HTML may differ inside <svg> charts and the <style> block")
    args = ap.parse_args()
    if args.command == "snapshot":
        snapshot(args.dest, args.workdir, args.samples)
    else:
        raise SystemExit(compare(args.before, args.after, args.except_charts_and_style))


if __name__ == "__main__":
    main()
