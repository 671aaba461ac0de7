"""Benchmark: single-sample annotate and batch throughput on realistic panel samples.

    python benchmarks/batch.py [--samples 1000] [--pdf-samples 40] [--jobs 2] [--workdir /tmp/ctdna-batch-bench]

Each synthetic sample: a GRCh38 Mutect2-style VCF of ~300 records (passengers across the genome, a few
in knowledgebase genes: an EGFR driver, sometimes KRAS/PIK3CA/BRAF resistance alleles), a gene
copy-number table (MET sometimes amplified) and a fusion table. Prints wall time, samples/s and peak
RSS. Targets (issue 7): single-sample annotate JSON+HTML < 0.5 s including interpreter start-up;
batch of 1,000 samples JSON+HTML < 60 s on 2 cores; the PDF figure is reported.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

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
"""
DRIVERS = [("chr7", 55191822, "T", "G"), ("chr7", 55174771, "AGGAATTAAGAGAAGC", "A")]
RESISTANCE = [("chr12", 25245350, "C", "T"), ("chr3", 179218303, "G", "A"), ("chr7", 140753336, "A", "T"), ("chr12", 25245351, "C", "A")]


def make_sample(folder: Path, i: int, rng: random.Random) -> str:
    name = f"S{i:04d}"
    contigs = [c for c in CONTIG_LENGTHS["GRCh38"] if c != "Y"]
    records = []
    for _ in range(295):
        c = rng.choice(contigs)
        p = rng.randint(100_000, CONTIG_LENGTHS["GRCh38"][c] - 100_000)
        records.append((f"chr{c}", p, "ACGT"[p % 4], "ACGT"[(p + 2) % 4]))
    records.append(rng.choice(DRIVERS))
    records += rng.sample(RESISTANCE, rng.randint(0, 2))
    order = {f"chr{c}": n for n, c in enumerate(contigs)}
    records.sort(key=lambda r: (order[r[0]], r[1]))
    with (folder / f"{name}.vcf").open("w") as out:
        out.write(HEADER + f"##tumor_sample={name}\n")
        out.writelines(f"##contig=<ID=chr{c},length={CONTIG_LENGTHS['GRCh38'][c]}>\n" for c in contigs)
        out.write(f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tN_{name}\t{name}\n")
        for chrom, pos, ref, alt in records:
            reads = rng.randint(5, 120)
            filt = "PASS" if rng.random() < 0.8 else "weak_evidence"
            out.write(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\tDP=2000\tGT:AD:AF:DP\t0/0:800,0:0:800\t0/1:{2000 - reads},{reads}:{reads / 2000:.4f}:2000\n")
    met = 2.0 + (rng.random() * 6 if rng.random() < 0.3 else rng.random() * 0.2)
    (folder / f"{name}.cnv.tsv").write_text(
        "gene\tcopy_number\n" + "".join(f"{g}\t{2 + rng.random() * 0.2:.2f}\n" for g in ("EGFR", "ERBB2", "KRAS", "FGFR1")) + f"MET\t{met:.2f}\n"
    )
    fusion = "KIF5B\tRET\t12\n" if rng.random() < 0.05 else "TMPRSS2\tERG\t10\n"
    (folder / f"{name}.fusions.tsv").write_text("gene5\tgene3\tsupporting_reads\n" + fusion)
    return f"{name}\t{name}.vcf\t{name}.cnv.tsv\t{name}.fusions.tsv\tosimertinib\n"


def run(cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--pdf-samples", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/ctdna-batch-bench"))
    args = ap.parse_args()
    data = args.workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    sheet = data / f"samplesheet_{args.samples}.tsv"
    if not sheet.exists():
        rng = random.Random(11)
        rows = [make_sample(data, i, rng) for i in range(args.samples)]
        sheet.write_text("sample_id\tvcf\tcnv\tfusions\tprior_therapy\n" + "".join(rows))
    pdf_sheet = data / f"samplesheet_pdf_{args.pdf_samples}.tsv"
    pdf_sheet.write_text("".join(sheet.read_text().splitlines(keepends=True)[: args.pdf_samples + 1]))
    exe = [sys.executable, "-m", "annotator.cli"]
    single = [run(exe + ["annotate", str(data / "S0000.vcf"), "--cnv", str(data / "S0000.cnv.tsv"), "--fusions", str(data / "S0000.fusions.tsv"),
                         "--prior-therapy", "osimertinib", "--format", "json,html", "--outdir", str(args.workdir / "single")])[0] for _ in range(5)]
    print(f"single-sample annotate (json+html, incl. start-up): median {sorted(single)[2]:.3f} s over 5 runs")
    for label, s, fmts in (("batch json+html", sheet, "json,html"), ("batch json+html+pdf", pdf_sheet, "json,html,pdf")):
        out = args.workdir / label.replace(" ", "_").replace("+", "_")
        n = sum(1 for _ in s.open()) - 1
        wall, rss = run(exe + ["batch", str(s), "--outdir", str(out), "--jobs", str(args.jobs), "--format", fmts])
        print(f"{label}: {n} samples in {wall:.1f} s ({n / wall:.1f} samples/s, {wall / n * 1000:.0f} ms/sample) with --jobs {args.jobs};"
              f" peak RSS of one process {rss:.0f} MB")


if __name__ == "__main__":
    main()
