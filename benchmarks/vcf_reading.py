"""Benchmark: annotate a 1,000,000-record VCF, unindexed and indexed, against `bcftools view -H | wc -l`.

    python benchmarks/vcf_reading.py [--records 1000000] [--pairs 7] [--workdir /tmp/ctdna-table-bench] [--kb DIR]
    python benchmarks/vcf_reading.py --scan-only [--repeats 5]

Each annotate run is a subprocess (JSON output only, so interpreter start-up and knowledgebase loading
are included), timed in paired alternating runs against the bcftools pipeline on the same file
(benchmarks/table.py ``Runner.paired``: one untimed warm-up each, then A B A B ...); the table gives the
median of the per-pair ratios, their range, the median seconds of each side and the peak RSS of the
annotate runs. Targets (issue 18): unindexed <= 1.0x bcftools, peak RSS <= 200 MB.

``--scan-only`` times the streamed pre-filter alone (``vcf_scan.prefilter`` on the unindexed file with
the knowledgebase's windows) in this process: wall and CPU seconds, median and range of ``--repeats``
runs, and the peak RSS of this process. ``--kb DIR`` reads with another knowledgebase (more genes, more
windows: the cost of reading them, issue 16).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

import pysam

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's annotator, and benchmarks.table
from annotator.genome import CONTIG_LENGTHS  # noqa: E402 -- after the path set-up above, on purpose

HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood threshold">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the order listed">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles in the tumor">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##source=Mutect2
##tumor_sample=PLASMA_BENCH
"""
HOTSPOTS = [("chr7", 55191822, "T", "G"), ("chr12", 25245350, "C", "T"), ("chr3", 179218303, "G", "A")]


def generate(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    contigs = [c for c in CONTIG_LENGTHS["GRCh38"] if c not in ("Y",)]
    lengths = CONTIG_LENGTHS["GRCh38"]
    total = sum(lengths[c] for c in contigs)
    with path.open("w") as out:
        out.write(HEADER)
        for c in contigs:
            out.write(f"##contig=<ID=chr{c},length={lengths[c]}>\n")
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPLASMA_BENCH\n")
        for c in contigs:
            k = max(1, round(n * lengths[c] / total))
            positions = sorted(rng.sample(range(10_000, lengths[c] - 10_000), k))
            extra = [(p, r, a) for ch, p, r, a in HOTSPOTS if ch == f"chr{c}"]
            rows = [(p, "ACGT"[p % 4], "ACGT"[(p + 1) % 4]) for p in positions] + extra
            for p, ref, alt in sorted(rows):
                alt_reads = rng.randint(3, 60)
                filt = "PASS" if rng.random() < 0.7 else "weak_evidence"
                out.write(f"chr{c}\t{p}\t.\t{ref}\t{alt}\t.\t{filt}\tDP=1000\tGT:AD:AF:DP\t0/1:{1000 - alt_reads},{alt_reads}:{alt_reads / 1000:.3f}:1000\n")


def panel_bed(path: Path, n: int, seed: int = 11) -> Path:
    """``n`` random 200-bp targets on the benchmark's contigs (fixed seed: the same panel every run)."""
    rng = random.Random(seed)
    contigs = [(f"chr{c}", length) for c, length in CONTIG_LENGTHS["GRCh38"].items() if c != "Y"]
    with path.open("w") as out:
        for i in range(n):
            chrom, length = contigs[i % len(contigs)]
            start = rng.randrange(10_000, length - 10_000)
            out.write(f"{chrom}\t{start}\t{start + 200}\tT{i}\n")
    return path


def scan_only(path: Path, repeats: int, kb: Path | None) -> None:
    """Median and range of the pre-filter's wall and CPU seconds on ``path`` (no interpreter start-up)."""
    import statistics

    from annotator.kb.index import kb_index
    from annotator.kb.load import get_knowledgebase
    from annotator.readers import vcf_scan

    windows = vcf_scan.Windows(vcf_scan.union(kb_index(get_knowledgebase(kb), "GRCh38").contig_windows()))
    header_lines = _header_lines(path)
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        kept, lines, outside = vcf_scan.prefilter(path, header_lines, windows)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        kept.unlink()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"prefilter {path.name}: {len(lines):,} kept, {outside.read:,} outside")
    for label, values in (("wall s", walls), ("CPU s", cpus)):
        print(f"  {label}: median {statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})")
    print(f"  peak RSS of this process: {rss:.0f} MiB")


def _header_lines(path: Path) -> int:
    """The number of leading '#' lines (the generated file has no blank or odd lines)."""
    import gzip

    count = 0
    with gzip.open(path, "rt") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            count += 1
    return count


def main() -> None:
    from benchmarks.table import Runner

    root = Path(__file__).resolve().parents[1]

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/ctdna-table-bench"), help="inputs are reused from here (benchmarks/table.py makes the same files)")
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=5, help="--scan-only runs")
    ap.add_argument("--scan-only", action="store_true", help="time the streamed pre-filter alone, in this process")
    ap.add_argument("--kb", type=Path, default=None, help="another knowledgebase directory (default: the shipped one)")
    ap.add_argument("--panel-targets", type=int, default=0,
                    help="also read a --panel-bed of this many random 200-bp targets (background variants, issue 17)")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    indexed = args.workdir / f"indexed_{args.records}.vcf.gz"
    unindexed = args.workdir / f"unindexed_{args.records}.vcf.gz"
    if not (unindexed.exists() and Path(f"{indexed}.tbi").exists()):
        print(f"generating {args.records:,} records ...", file=sys.stderr)
        plain = args.workdir / "bench.vcf"
        generate(plain, args.records)
        pysam.tabix_compress(str(plain), str(indexed), force=True)
        pysam.tabix_index(str(indexed), preset="vcf", force=True)
        shutil.copy(indexed, unindexed)
        plain.unlink()
    if args.scan_only:
        scan_only(unindexed, args.repeats, args.kb)
        return
    if not shutil.which("bcftools"):
        raise SystemExit("bcftools is not on PATH (apt-get install bcftools)")
    exe = [sys.executable, "-m", "annotator.cli", "annotate", "--format", "json", "--outdir", str(args.workdir / "out"),
           *(["--kb", str(args.kb)] if args.kb else [])]
    if args.panel_targets:
        exe += ["--panel-bed", str(panel_bed(args.workdir / "panel.bed", args.panel_targets))]
    runner = Runner({**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))})
    print(f"{'annotate / bcftools view -H | wc -l':34} {'median':>7} {'range':>11} {'annotate s':>10} {'bcftools s':>10}")
    for label, path in (("indexed (by region)", indexed), ("unindexed (streamed)", unindexed)):
        p = runner.paired(exe + [str(path)], f"bcftools view -H {unindexed} | wc -l", args.pairs)
        print(f"{label:34} {p.ratio.median:6.2f}x {p.ratio.low:5.2f}-{p.ratio.high:.2f}x {p.median_a:10.2f} {p.median_b:10.2f}")
    print(f"peak RSS of the annotate runs: {runner.peak_mb:.0f} MiB")


if __name__ == "__main__":
    main()
