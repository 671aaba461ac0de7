"""Benchmark: memory and time against input size inside knowledgebase genes (issue 11, "Memory and size").

    python benchmarks/sizes.py [--workdir /tmp/ctdna-sizes] [--scale 1.0] [--only vcf-csq,pdf,...]

Generates, once, synthetic GRCh38 inputs at the issue's sizes and runs ``annotate`` on each in a
subprocess (interpreter start-up and knowledgebase loading included), printing wall time, peak RSS of
that one process (from ``os.wait4``), and the size of the outputs:

==========  ==================================================================================
run         input
==========  ==================================================================================
vcf-csq     200,000 small-variant records inside knowledgebase genes, VEP CSQ-annotated: 95%
            intron/UTR, 5% missense (uniform over the genes' spans, as a whole-gene capture
            sees them); JSON output
vcf-plain   the same 200,000 records without annotation (nothing says they are non-coding);
            JSON output
pdf         2,000 unannotated in-gene variants; PDF output
cnr         a CNVkit .cnr of 5,000,000 bins over the genome, with a small VCF; JSON output
fusions     an Arriba fusions.tsv of 1,000,000 rows (half knowledgebase kinase fusions with
            varying breakpoints, half other genes), with a small VCF; JSON output
==========  ==================================================================================

To compare two versions, give the other checkout with ``--code`` (``git worktree add /tmp/before
<commit>``; ``python benchmarks/sizes.py --code /tmp/before``); the inputs are reused. The command runs in
the work folder with PYTHONPATH set to that checkout (by default the one holding this script), so
neither the current directory nor an installed copy decides which code is measured.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the order listed">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles in the tumor">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##source=Mutect2
##reference=GRCh38
##tumor_sample=PLASMA_SIZES
"""
CSQ_HEADER = ('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
              'Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|CANONICAL">\n')
NON_CODING = ("intron_variant", "intron_variant", "intron_variant", "3_prime_UTR_variant", "5_prime_UTR_variant")
AMINO = "ACDEFGHIKLMNPQRSTVWY"
THREE = {"A": "Ala", "C": "Cys", "D": "Asp", "E": "Glu", "F": "Phe", "G": "Gly", "H": "His", "I": "Ile", "K": "Lys",
         "L": "Leu", "M": "Met", "N": "Asn", "P": "Pro", "Q": "Gln", "R": "Arg", "S": "Ser", "T": "Thr", "V": "Val",
         "W": "Trp", "Y": "Tyr"}
KB_FUSIONS = [("EML4", "ALK"), ("KIF5B", "RET"), ("CCDC6", "RET"), ("CD74", "ROS1"), ("EZR", "ROS1")]
OTHER_GENES = [f"GENE{i}" for i in range(2000)]


def _genes():
    """(symbol, chrom, start, end, transcript) of the knowledgebase's variant-scope genes on GRCh38."""
    from annotator.kb.load import get_knowledgebase

    kb = get_knowledgebase()
    return [(g.symbol, g.location.GRCh38.chrom, g.location.GRCh38.start, g.location.GRCh38.end, g.transcript)
            for g in kb.genes if not g.fusion_partner_only]


def _contigs() -> str:
    from annotator.genome import CONTIG_LENGTHS

    return "".join(f"##contig=<ID=chr{c},length={n}>\n" for c, n in CONTIG_LENGTHS["GRCh38"].items())


def write_vcf(path: Path, n: int, annotate: bool, seed: int = 11) -> None:
    rng = random.Random(seed)
    genes = _genes()
    total = sum(e - s for _, _, s, e, _ in genes)
    rows = []
    for symbol, chrom, start, end, tx in genes:
        k = max(1, round(n * (end - start) / total))
        for p in rng.sample(range(start + 1, end), min(k, end - start - 1)):
            rows.append((chrom, p, symbol, tx))
    rows.sort(key=lambda r: (int(r[0]) if r[0].isdigit() else 99, r[1]))
    with path.open("w") as out:
        out.write(HEADER + (CSQ_HEADER if annotate else "") + _contigs())
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPLASMA_SIZES\n")
        for chrom, p, symbol, tx in rows[:n]:
            ref, alt = "ACGT"[p % 4], "ACGT"[(p + 1) % 4]
            info = "DP=1000"
            if annotate:
                if rng.random() < 0.05:
                    a, b = rng.sample(AMINO, 2)
                    codon = rng.randint(2, 900)
                    info += f";CSQ={alt}|missense_variant|MODERATE|{symbol}|ENSG0|Transcript|{tx}|protein_coding|5/20||{tx}:c.{codon * 3}{ref}>{alt}|ENSP0:p.{THREE[a]}{codon}{THREE[b]}|YES"
                else:
                    info += f";CSQ={alt}|{rng.choice(NON_CODING)}|MODIFIER|{symbol}|ENSG0|Transcript|{tx}|protein_coding||4/19|{tx}:c.100+{p % 900}{ref}>{alt}||YES"
            reads = rng.randint(3, 60)
            out.write(f"chr{chrom}\t{p}\t.\t{ref}\t{alt}\t.\tPASS\t{info}\tGT:AD:AF:DP\t0/1:{1000 - reads},{reads}:{reads / 1000:.3f}:1000\n")


def write_small_vcf(path: Path) -> None:
    with path.open("w") as out:
        out.write(HEADER + _contigs())
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPLASMA_SIZES\n")
        out.write("chr7\t55191822\t.\tT\tG\t.\tPASS\tDP=1000\tGT:AD:AF:DP\t0/1:700,300:0.300:1000\n")


def write_cnr(path: Path, n: int, seed: int = 5) -> None:
    from annotator.genome import CONTIG_LENGTHS

    rng = random.Random(seed)
    lengths = {c: v for c, v in CONTIG_LENGTHS["GRCh38"].items() if c not in ("Y", "MT", "M")}
    total = sum(lengths.values())
    with path.open("w") as out:
        out.write("chromosome\tstart\tend\tgene\tlog2\tdepth\tweight\n")
        for c, length in lengths.items():
            k = max(1, round(n * length / total))
            step = length // k
            lines = []
            for i in range(k):
                s = i * step
                lines.append(f"chr{c}\t{s}\t{s + step - 1}\t-\t{rng.gauss(0, 0.15):.4f}\t{rng.uniform(200, 800):.1f}\t0.9\n")
            out.write("".join(lines))


def write_arriba(path: Path, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    cols = ["#gene1", "gene2", "strand1(gene/fusion)", "strand2(gene/fusion)", "breakpoint1", "breakpoint2", "site1", "site2",
            "type", "split_reads1", "split_reads2", "discordant_mates", "coverage1", "coverage2", "confidence", "reading_frame"]
    with path.open("w") as out:
        out.write("\t".join(cols) + "\n")
        chunk = []
        for i in range(n):
            if i % 2:
                g5, g3 = KB_FUSIONS[i % len(KB_FUSIONS)]
            else:
                g5, g3 = rng.sample(OTHER_GENES, 2)
            b1, b2 = rng.randint(1, 10**8), rng.randint(1, 10**8)
            chunk.append(f"{g5}\t{g3}\t+/+\t+/+\t2:{b1}\t2:{b2}\tsplice-site\tsplice-site\ttranslocation\t{rng.randint(1, 40)}\t"
                         f"{rng.randint(0, 40)}\t{rng.randint(0, 20)}\t100\t100\t{rng.choice(('high', 'medium', 'low'))}\tin-frame\n")
            if len(chunk) == 10000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))


def run(cmd: list[str], code: Path, cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of this one child process (os.wait4: not the maximum over all children)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()[-500:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/ctdna-sizes"))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every size (e.g. 0.01 for a quick check)")
    ap.add_argument("--only", default="vcf-csq,vcf-plain,pdf,cnr,fusions")
    ap.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1], help="checkout whose annotator is run")
    args = ap.parse_args()
    print(f"code: {args.code.resolve()}", file=sys.stderr)
    work = args.workdir / f"scale{args.scale:g}"
    work.mkdir(parents=True, exist_ok=True)
    def s(n: int) -> int:
        return max(1, int(n * args.scale))

    small = work / "small.vcf"
    inputs = {
        "vcf-csq": (f"{s(200_000):,} in-gene records, VEP CSQ (95% intron/UTR)", work / "ingene_csq.vcf", lambda p: write_vcf(p, s(200_000), True)),
        "vcf-plain": (f"{s(200_000):,} in-gene records, unannotated", work / "ingene_plain.vcf", lambda p: write_vcf(p, s(200_000), False)),
        "pdf": (f"{s(2_000):,} in-gene variants, PDF", work / "ingene_2000.vcf", lambda p: write_vcf(p, s(2_000), False, seed=2)),
        "cnr": (f"CNVkit .cnr, {s(5_000_000):,} bins", work / "bins.cnr", lambda p: write_cnr(p, s(5_000_000))),
        "fusions": (f"Arriba table, {s(1_000_000):,} rows", work / "fusions.tsv", lambda p: write_arriba(p, s(1_000_000))),
    }
    if not small.exists():
        write_small_vcf(small)
    exe = [sys.executable, "-m", "annotator.cli", "annotate", "--sample-id", "SIZES"]
    print(f"{'run':44} {'wall s':>7} {'peak RSS MB':>12} {'output':>14}")
    for key in args.only.split(","):
        label, path, make = inputs[key]
        if not path.exists():
            print(f"generating {path.name} ...", file=sys.stderr)
            make(path)
        out = work / f"out-{key}"
        fmt = "pdf" if key == "pdf" else "json"
        cmd = exe + ["--format", fmt, "--outdir", str(out)]
        if key == "cnr":
            cmd += [str(small), "--cnv", str(path)]
        elif key == "fusions":
            cmd += [str(small), "--fusions", str(path)]
        else:
            cmd += [str(path)]
        wall, rss = run(cmd, args.code.resolve(), work)
        report = out / f"SIZES.{fmt}"
        size = report.stat().st_size
        extra = ""
        if fmt == "pdf":
            try:
                pages = subprocess.run(["pdfinfo", str(report)], capture_output=True, text=True).stdout
                extra = " " + next((ln.split()[-1] for ln in pages.splitlines() if ln.startswith("Pages:")), "?") + " pages"
            except FileNotFoundError:
                pass
        print(f"{label:44} {wall:7.1f} {rss:12.0f} {size / 1e6:10.2f} MB{extra}", flush=True)


if __name__ == "__main__":
    main()
