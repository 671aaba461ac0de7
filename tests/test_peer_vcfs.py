"""htslib's own test VCFs (../shared/realdata/peer-vcfs) never crash the reader (issue 10).

As shipped, their records lie outside knowledgebase genes and never reach per-record parsing, so
each file is also copied with CHROM/POS moved into EGFR exon 21 (header contigs adjusted, FORMAT
and sample columns untouched; a BCF stays a BCF). Every file and copy is annotated in one child
process: a segmentation fault there fails the test and names the file being read. Each must
either yield all its records or be refused with one line naming the file and line.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

from annotator.genome import CONTIG_LENGTHS, detect_build
from tests.support.paths import REALDATA, ROOT, skip_module_without

PEER = REALDATA / "peer-vcfs"
EGFR_EXON21 = {"GRCh37": (55259412, 55259567), "GRCh38": (55191719, 55191874)}  # knowledgebase exon 21 span

skip_module_without(PEER, "htslib's test VCFs")

CHILD = r"""
import json, sys
from click.testing import CliRunner
from annotator.cli import main
for line in sys.stdin:
    job = json.loads(line)
    print(json.dumps({"file": job["file"], "started": True}), flush=True)
    result = CliRunner().invoke(main, job["args"])
    print(json.dumps({"file": job["file"], "exit": result.exit_code, "stderr": result.stderr}), flush=True)
"""


def _text(path: Path) -> str:
    if path.suffix == ".bcf":
        import cyvcf2

        vcf = cyvcf2.VCF(str(path))
        text = vcf.raw_header + "".join(str(rec) for rec in vcf)
        vcf.close()
        return text
    raw = path.read_bytes()
    return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")


def _build(text: str) -> str:
    contigs = {m.group(1): int(m.group(2)) for m in re.finditer(r"##contig=<ID=([^,>]+),length=(\d+)", text)}
    try:
        return detect_build([], contigs, "peer")[0] or "GRCh37"
    except Exception:
        return "GRCh37"


def moved_copy(text: str, build: str) -> tuple[str, int]:
    """The text with every record moved into EGFR exon 21 on ``build``; and the number of records."""
    start, end = EGFR_EXON21[build]
    out, n = [], 0
    for line in text.splitlines(keepends=True):
        if line.startswith("##contig="):
            continue
        if line.startswith("#CHROM"):
            out.append(f"##contig=<ID=7,length={CONTIG_LENGTHS[build]['7']}>\n")
        elif not line.startswith("#") and line.strip():
            cols = line.split("\t")
            cols[0], cols[1] = "7", str(start + n % (end - start))
            line, n = "\t".join(cols), n + 1
        out.append(line)
    return "".join(out), n


def _write_bcf(text_path: Path, bcf_path: Path) -> None:
    import pysam

    with pysam.VariantFile(str(text_path)) as src, pysam.VariantFile(str(bcf_path), "wb", header=src.header) as dst:
        for rec in src:
            dst.write(rec)


def _jobs(tmp_path: Path) -> list[dict]:
    jobs = []
    for path in sorted(PEER.iterdir()):
        text = _text(path)
        build = _build(text)
        moved, n = moved_copy(text, build)
        copy = tmp_path / re.sub(r"\.(vcf\.gz|vcf|bcf)$", r".moved.vcf", path.name)
        copy.write_text(moved, encoding="utf-8")
        if path.suffix == ".bcf":
            bcf = copy.with_suffix(".bcf")
            _write_bcf(copy, bcf)
            copy = bcf
        samples = next((line.rstrip("\n").split("\t")[9:] for line in moved.splitlines() if line.startswith("#CHROM")), [])
        for f, moved_file in ((path, False), (copy, True)):
            args = ["annotate", str(f), "--genome", build, "--format", "json", "--outdir", str(tmp_path / "out" / f.name)]
            if samples:
                args += ["--tumor-sample", samples[-1]]
            jobs.append({"file": str(f), "args": args, "records": n, "moved": moved_file})
    return jobs


def test_no_peer_vcf_or_moved_copy_crashes(tmp_path):
    jobs = _jobs(tmp_path)
    proc = subprocess.run([sys.executable, "-c", CHILD], input="".join(json.dumps(j) + "\n" for j in jobs),
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    started = [x["file"] for x in lines if x.get("started")]
    assert proc.returncode == 0, f"child died (exit {proc.returncode}) while reading {started[-1] if started else '?'}"
    results = {x["file"]: x for x in lines if "exit" in x}
    assert len(results) == len(jobs)
    yielded = refused = 0
    for job in jobs:
        result = results[job["file"]]
        name = Path(job["file"]).name
        if result["exit"] == 0:
            report = json.loads(next((tmp_path / "out" / name).glob("*.json")).read_text())
            assert report["counts"]["records_read"] == job["records"], name
            # never more findings than called alleles (ploidy 3 at most in these files): an uncalled ALT is no variant
            assert len(report["alterations"]) <= 3 * max(job["records"], 1), name
            yielded += 1
        else:
            assert result["exit"] == 2, (name, result)
            message = result["stderr"].strip()
            assert "\n" not in message and "Traceback" not in message, (name, message)
            assert re.search(re.escape(name) + r":\d+: ", message), (name, message)  # file:line: problem
            refused += 1
    moved = [j for j in jobs if j["moved"]]
    moved_yielded = sum(results[j["file"]]["exit"] == 0 for j in moved)
    assert moved_yielded >= len(moved) - 4, f"only {moved_yielded} of {len(moved)} moved copies were read"
    assert yielded + refused == len(jobs)


def test_moved_copy_reaches_egfr(tmp_path):
    """The moving itself works: a moved GT-only record is parsed in EGFR (it was a segfault before issue 10)."""
    vcf = PEER / "samtools-htslib__test_formatcols.vcf"
    moved, n = moved_copy(_text(vcf), "GRCh37")
    assert n == 1 and "\n7\t55259412\t" in moved
