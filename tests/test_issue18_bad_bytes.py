"""Bytes no reader had met (issue 18 review): corrupt deflate data and non-ASCII digits are one-line input errors.

Both crashed with a traceback before: ``zlib.error`` is not an ``OSError``, and ``str.isdigit`` takes '²', which
``int`` refuses.
"""

from __future__ import annotations

import gzip

import pytest

from annotator.readers.common import ascii_digits

HEADER = "##fileformat=VCFv4.2\n##contig=<ID=chr7,length=159345973>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def _records(n: int) -> str:
    return "".join(f"chr7\t{1000 + 7 * i}\t.\tA\tG\t.\tPASS\tDP={i}\n" for i in range(n))


@pytest.mark.parametrize("where", [0.02, 0.3, 0.6, 0.95])
def test_corrupt_deflate_data_is_one_line(console, tmp_path, where):
    data = bytearray(gzip.compress((HEADER + _records(40000)).encode(), mtime=0))
    at = max(20, int(len(data) * where))
    data[at:at + 64] = bytes(b ^ 0xFF for b in data[at:at + 64])
    vcf = tmp_path / "corrupt.vcf.gz"
    vcf.write_bytes(bytes(data))
    out = tmp_path / "out"
    r = console(["annotate", vcf, "--genome", "GRCh38", "--format", "json", "--outdir", out], tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: ") and "corrupt.vcf.gz: truncated or corrupt gzip file" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()


def test_a_pos_in_superscript_digits_is_named_not_crashed_on(console, tmp_path):
    vcf = tmp_path / "sup.vcf"
    vcf.write_text(HEADER + _records(3) + "chr7\t\u00b2\t.\tA\tG\t.\tPASS\t.\n", encoding="utf-8")
    r = console(["annotate", vcf, "--genome", "GRCh38", "--format", "json", "--outdir", tmp_path / "out"], tmp_path)
    assert r.returncode == 2 and "sup.vcf:7: POS '²' is not a positive integer" in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr


def test_a_panel_bed_with_superscript_digits_is_refused(console, tmp_path, shipped_kb):
    bed = tmp_path / "panel.bed"
    bed.write_text("chr7\t\u00b9\u00b2\t55200000\tEGFR\n", encoding="utf-8")
    vcf = tmp_path / "ok.vcf"
    vcf.write_text(HEADER + _records(2), encoding="utf-8")
    r = console(["annotate", vcf, "--genome", "GRCh38", "--panel-bed", bed, "--format", "json", "--outdir", tmp_path / "out"], tmp_path)
    assert r.returncode == 2 and "panel.bed:1" in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize(("text", "expected"), [("123", True), ("0", True), ("", False), ("\u00b2", False),
                                                ("\u0663", False), ("1.5", False), ("-1", False), (" 1", False)])
def test_ascii_digits(text, expected):
    assert ascii_digits(text) is expected
