"""Issue 18's table, measured with paired alternating runs: one command reproduces every row.

    python benchmarks/table.py [--pairs 7] [--repeats 3] [--quick] [--workdir /tmp/ctdna-table-bench]

Every run is a subprocess (interpreter start-up and knowledgebase loading count) of this checkout's
``annotator`` (run with the repository root as working directory and on PYTHONPATH, so an installed
copy elsewhere is not what gets timed). The checkout is byte-compiled first, as ``pip install`` does
for an installed copy: with ``PYTHONDONTWRITEBYTECODE`` set (as on the development machine) every run
would otherwise compile the package from source, about 0.1 s that no installed copy pays. A row with a reference command runs A B A B ... after one
untimed warm-up of each; the ratio is taken pair by pair, and the table gives the median ratio and
the min-max range over the pairs, with the median seconds of each side. Batch rows have no partner:
samples/s is computed per repeat and reported as median and range. Peak RSS is the largest
``ru_maxrss`` over every annotate/batch run, from ``os.wait4`` on that one child (for a batch: its
largest single process, the parent or one worker).

Rows (targets from issue 18):

1. unindexed bgzipped VCF (1,000,000 records; benchmarks/vcf_reading.py ``generate``),
   ``annotate --format json`` / ``bcftools view -H FILE | wc -l`` (skipped, with a message, if bcftools
   is not on PATH) -- target <= 1.0x;
2. the same VCF indexed / the same command on one ~300-record panel VCF (benchmarks/batch.py
   ``make_sample``) -- target <= 1.2x, or indexed overhead (difference of the medians) <= 0.1 s;
3. one panel sample JSON+HTML (with its CNV and fusion tables), whole CLI / ``python -c "import cyvcf2"``
   -- target <= 3x;
4. ``batch --jobs 2`` JSON+HTML of 1,000 panel samples -- target >= 200 samples/s;
5. ``batch --jobs 2`` JSON+HTML+PDF of 20 panel samples -- target >= 2 samples/s;
6. peak RSS of any run -- target <= 200 MB (shown in MiB, as ru_maxrss counts, and in MB).

``--quick`` (500,000 records, 3 pairs, 300 and 8 batch samples, 2 repeats) took 41 s on the 2-core
development machine on 2026-11-29, generating its inputs included (38 s with them in place); it is for
trying the command: start-up weighs more in every row, so its figures are not the issue's or the
README's. The full run (defaults: 7 pairs, 3 repeats) took 2 min 29 s there, generating the
1M-record VCF and the 1,000 samples included. Inputs are generated once, keyed by size, into
``--workdir`` and reused.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float


@dataclass(frozen=True)
class Paired:
    ratio: Spread
    median_a: float
    median_b: float

    @property
    def overhead(self) -> float:
        """Difference of the medians (A - B), seconds."""
        return self.median_a - self.median_b


def spread(values: list[float]) -> Spread:
    if not values:
        raise ValueError("no values")
    return Spread(statistics.median(values), min(values), max(values))


def summarise_pairs(pairs: list[tuple[float, float]]) -> Paired:
    """Median and min-max of the per-pair ratios A/B, and the median seconds of each side."""
    return Paired(
        spread([a / b for a, b in pairs]),
        statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs),
    )


@dataclass
class Runner:
    env: dict[str, str]
    peak_mb: float = 0.0

    def run(self, cmd: list[str] | str, track: bool = True) -> float:
        """Wall seconds of one child (a str runs through the shell); its peak RSS feeds ``peak_mb`` if tracked."""
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, shell=isinstance(cmd, str), cwd=ROOT, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {cmd}\n{err.decode(errors='replace')[-2000:]}")
        if track:
            self.peak_mb = max(self.peak_mb, usage.ru_maxrss / 1024)
        return wall

    def paired(self, a: list[str], b: list[str] | str, pairs: int) -> Paired:
        """One untimed warm-up of each, then A B A B ...; B is a reference and not RSS-tracked."""
        self.run(a)
        self.run(b, track=False)
        times = []
        for _ in range(pairs):
            ta = self.run(a)
            times.append((ta, self.run(b, track=False)))
        return summarise_pairs(times)


@dataclass(frozen=True)
class Inputs:
    unindexed: Path
    indexed: Path
    data: Path  # panel samples: S0000.vcf, .cnv.tsv, .fusions.tsv
    sheet: Path
    pdf_sheet: Path


def prepare(workdir: Path, records: int, samples: int, pdf_samples: int) -> Inputs:
    """Generate the inputs once (keyed by size) with the existing benchmark generators."""
    import random

    import pysam

    from benchmarks.batch import make_sample
    from benchmarks.vcf_reading import generate

    workdir.mkdir(parents=True, exist_ok=True)
    indexed = workdir / f"indexed_{records}.vcf.gz"
    unindexed = workdir / f"unindexed_{records}.vcf.gz"
    if not (unindexed.exists() and Path(f"{indexed}.tbi").exists()):
        print(f"generating {records:,} records ...", file=sys.stderr)
        plain = workdir / "bench.vcf"
        generate(plain, records)
        pysam.tabix_compress(str(plain), str(indexed), force=True)
        pysam.tabix_index(str(indexed), preset="vcf", force=True)
        shutil.copy(indexed, unindexed)
        plain.unlink()
    data = workdir / "samples"
    data.mkdir(exist_ok=True)
    sheet = data / f"samplesheet_{samples}.tsv"
    if not sheet.exists():
        print(f"generating {samples:,} panel samples ...", file=sys.stderr)
        rng = random.Random(11)
        rows = [make_sample(data, i, rng) for i in range(samples)]
        sheet.write_text("sample_id\tvcf\tcnv\tfusions\tprior_therapy\n" + "".join(rows))
    pdf_sheet = data / f"samplesheet_pdf_{pdf_samples}.tsv"
    pdf_sheet.write_text("".join(sheet.read_text().splitlines(keepends=True)[: pdf_samples + 1]))
    return Inputs(unindexed, indexed, data, sheet, pdf_sheet)


Row = tuple[str, str, str, str, str]  # measure, median, range, median seconds, target
CLI = [sys.executable, "-m", "annotator.cli"]


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def row_unindexed(r: Runner, inp: Inputs, out: Path, pairs: int, label: str) -> Row | None:
    if not shutil.which("bcftools"):
        print("row 1 skipped: bcftools is not on PATH", file=sys.stderr)
        return None
    annotate = CLI + ["annotate", "--format", "json", "--outdir", str(out / "unindexed"), str(inp.unindexed)]
    p = r.paired(annotate, f"bcftools view -H {inp.unindexed} | wc -l", pairs)
    return (f"unindexed {label} bgzipped VCF, `annotate --format json` / `bcftools view -H FILE \\| wc -l`",
            f"{p.ratio.median:.2f}x", f"{p.ratio.low:.2f}-{p.ratio.high:.2f}x",
            f"{p.median_a:.2f} / {p.median_b:.2f}", f"<= 1.0x: {_verdict(p.ratio.median <= 1.0)}")


def row_indexed(r: Runner, inp: Inputs, out: Path, pairs: int, label: str) -> Row:
    cmd = CLI + ["annotate", "--format", "json", "--outdir"]
    p = r.paired(cmd + [str(out / "indexed"), str(inp.indexed)], cmd + [str(out / "panel"), str(inp.data / "S0000.vcf")], pairs)
    ok = p.ratio.median <= 1.2 or p.overhead <= 0.1
    return (f"indexed {label} VCF / the same command on a ~300-record panel VCF (overhead = difference of medians)",
            f"{p.ratio.median:.2f}x, overhead {p.overhead:.2f} s", f"{p.ratio.low:.2f}-{p.ratio.high:.2f}x",
            f"{p.median_a:.2f} / {p.median_b:.2f}", f"<= 1.2x or overhead <= 0.1 s: {_verdict(ok)}")


def row_single(r: Runner, inp: Inputs, out: Path, pairs: int) -> Row:
    d = inp.data
    annotate = CLI + ["annotate", str(d / "S0000.vcf"), "--cnv", str(d / "S0000.cnv.tsv"), "--fusions",
                      str(d / "S0000.fusions.tsv"), "--prior-therapy", "osimertinib", "--format", "json,html",
                      "--outdir", str(out / "single")]
    p = r.paired(annotate, [sys.executable, "-c", "import cyvcf2"], pairs)
    return ("single panel sample JSON+HTML, whole CLI / `python -c \"import cyvcf2\"`",
            f"{p.ratio.median:.2f}x", f"{p.ratio.low:.2f}-{p.ratio.high:.2f}x",
            f"{p.median_a:.2f} / {p.median_b:.2f}", f"<= 3x: {_verdict(p.ratio.median <= 3.0)}")


def row_batch(r: Runner, sheet: Path, out: Path, repeats: int, formats: str, target: float) -> Row:
    n = sum(1 for _ in sheet.open()) - 1
    rates, walls = [], []
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        wall = r.run(CLI + ["batch", str(sheet), "--outdir", str(out), "--jobs", "2", "--format", formats])
        rates.append(n / wall)
        walls.append(wall)
    s = spread(rates)
    label = "JSON+HTML" if "pdf" not in formats else "with PDF"
    return (f"`batch --jobs 2`, {n:,} panel samples {label} ({repeats} repeats)",
            f"{s.median:.1f} samples/s", f"{s.low:.1f}-{s.high:.1f}", f"{statistics.median(walls):.2f}",
            f">= {target:g} samples/s: {_verdict(s.median >= target)}")


def markdown(rows: list[Row], peak_mb: float) -> str:
    lines = ["| measure | median | range | median s (A / B) | target: met? |", "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    mb = peak_mb * 1024 * 1024 / 1e6  # the target is in MB; ru_maxrss counts KiB
    lines.append(f"| peak RSS, any run above (max over runs) | {peak_mb:.0f} MiB ({mb:.0f} MB) | - | - | <= 200 MB: {_verdict(mb <= 200)} |")
    return "\n".join(lines)


def byte_compile() -> None:
    """Write the checkout's bytecode (``__pycache__``, ignored by git), whatever PYTHONDONTWRITEBYTECODE says."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "annotator")], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=None, help="pairs per paired row (default 7; --quick 3)")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per batch row (default 3; --quick 2)")
    ap.add_argument("--quick", action="store_true", help="smaller inputs and fewer runs (~40 s)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/ctdna-table-bench"))
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))  # the generators in benchmarks/ and this checkout's annotator
    records, samples, pdf_samples = (500_000, 300, 8) if args.quick else (1_000_000, 1000, 20)
    pairs = args.pairs or (3 if args.quick else 7)
    repeats = args.repeats or (2 if args.quick else 3)
    started = time.perf_counter()
    byte_compile()
    inp = prepare(args.workdir, records, samples, pdf_samples)
    out = args.workdir / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    r = Runner(env)
    label = f"{records // 1000:,}k-record" if records < 1_000_000 else f"{records / 1e6:g}M-record"
    steps: list[Callable[[], Row | None]] = [
        lambda: row_unindexed(r, inp, out, pairs, label),
        lambda: row_indexed(r, inp, out, pairs, label),
        lambda: row_single(r, inp, out, pairs),
        lambda: row_batch(r, inp.sheet, out / "batch", repeats, "json,html", 200),
        lambda: row_batch(r, inp.pdf_sheet, out / "batch_pdf", repeats, "json,html,pdf", 2),
    ]
    rows = []
    for i, step in enumerate(steps, 1):
        print(f"row {i} ...", file=sys.stderr)
        row = step()
        if row is not None:
            rows.append(row)
    print(markdown(rows, r.peak_mb))
    if args.quick:
        print("\n--quick: smaller inputs than the issue's (start-up weighs more in every row); not the README's figures.")
    print(f"\n{'quick' if args.quick else 'full'} run, {pairs} pairs, {repeats} batch repeats,"
          f" {time.perf_counter() - started:.0f} s in all", file=sys.stderr)


if __name__ == "__main__":
    main()
