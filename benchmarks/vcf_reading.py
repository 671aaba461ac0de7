"""Benchmark: annotate a 1,000,000-record VCF, unindexed and indexed, against `bcftools view -H | wc -l`.

    python benchmarks/vcf_reading.py [--records 1000000] [--workdir /tmp/ctdna-bench] [--kb DIR]

Prints wall time and peak RSS of each run (the annotate command runs in a subprocess, JSON output
only, so interpreter start-up and knowledgebase loading are included). Targets (issue 4): indexed
< 0.5 s, unindexed within 2x of bcftools, peak RSS < 300 MB. ``--kb DIR`` reads with another knowledgebase
(more genes, more windows: the cost of reading them, issue 16).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pysam

from annotator.genome import CONTIG_LENGTHS

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


def timed(cmd: list[str], shell: bool = False) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(" ".join(cmd) if shell else cmd, shell=shell, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/ctdna-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--kb", type=Path, default=None, help="another knowledgebase directory (default: the shipped one)")
    ap.add_argument("--panel-targets", type=int, default=0,
                    help="also read a --panel-bed of this many random 200-bp targets (background variants, issue 17)")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    plain = args.workdir / "bench.vcf"
    indexed = args.workdir / "indexed.vcf.gz"
    unindexed = args.workdir / "unindexed.vcf.gz"
    if not indexed.exists():
        print(f"generating {args.records:,} records ...", file=sys.stderr)
        generate(plain, args.records)
        pysam.tabix_compress(str(plain), str(indexed), force=True)
        pysam.tabix_index(str(indexed), preset="vcf", force=True)
        shutil.copy(indexed, unindexed)
        plain.unlink()
    exe = [sys.executable, "-m", "annotator.cli", "annotate", "--format", "json", "--outdir", str(args.workdir / "out"),
           *(["--kb", str(args.kb)] if args.kb else [])]
    if args.panel_targets:
        exe += ["--panel-bed", str(panel_bed(args.workdir / "panel.bed", args.panel_targets))]
    rows = []
    if shutil.which("bcftools"):
        rows.append(("bcftools view -H | wc -l", min(timed(["bcftools", "view", "-H", str(unindexed), "|", "wc", "-l"], shell=True)[0] for _ in range(args.repeat)), None))
    for label, path in (("annotate, indexed (by region)", indexed), ("annotate, unindexed (streamed)", unindexed)):
        runs = [timed(exe + [str(path)]) for _ in range(args.repeat)]
        rows.append((label, min(r[0] for r in runs), max(r[1] for r in runs)))
    base = rows[0][1] if rows and rows[0][0].startswith("bcftools") else None
    print(f"{'run':34} {'wall s':>7} {'x bcftools':>10} {'peak RSS MB':>12}")
    for label, wall, rss in rows:
        ratio = f"{wall / base:.2f}" if base else "-"
        memory = "-" if rss is None else str(round(rss))
        print(f"{label:34} {wall:7.2f} {ratio:>10} {memory:>12}")


if __name__ == "__main__":
    main()
