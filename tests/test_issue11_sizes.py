"""Issue 11, memory and size: report rows are the coding, splice-region or knowledgebase-matched small
variants (the rest are counted), the HTML/PDF tables are capped while the JSON lists everything, tables
are streamed (CNV bins reduced per gene as read), and two kinds of bad table input are one-line errors.

No timings here: the figures are in benchmarks/sizes.py and the README's Benchmarks section."""

from __future__ import annotations

import json
import re
import tracemalloc

import pytest

from annotator.kb.index import kb_index
from annotator.readers.cnv import read_copy_number
from annotator.readers.common import NON_CODING_REASON
from annotator.readers.fusion import read_fusions
from annotator.render.rows import TABLE_ROW_LIMIT
from tests.support.cli import assert_clean_failure
from tests.support.inputs import FORMAT_LINES, GRCH38_CONTIGS

CSQ_LINE = ('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
            'Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL">\n')
TUMOR = "0/1:700,300:0.300:1000"


def vcf(records: list[tuple[str, int, str, str, str | None]], annotated: bool = True, tumor: str = TUMOR) -> str:
    """A one-sample Mutect2-style GRCh38 VCF; each record is (chrom, pos, ref, alt, VEP CSQ value or None)."""
    head = ("##fileformat=VCFv4.2\n" + FORMAT_LINES + (CSQ_LINE if annotated else "") + GRCH38_CONTIGS
            + "##source=Mutect2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPLASMA_1\n")
    body = "".join(
        f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\tDP=1000{';CSQ=' + csq if csq else ''}\tGT:AD:AF:DP\t{tumor}\n" for c, p, r, a, csq in records
    )
    return head + body


def csq(alt: str, consequence: str, symbol: str, tx: str, hgvsp: str = "") -> str:
    return f"{alt}|{consequence}|MODIFIER|{symbol}|ENSG0|Transcript|{tx}|protein_coding|||{hgvsp}|YES"


EGFR_TX, MET_TX, KRAS_TX = "ENST00000275493", "ENST00000318493", "ENST00000256078"


def annotate(run_cli, tmp_path, vcf_path, *extra) -> tuple[dict, str]:
    out = tmp_path / "out"
    result = run_cli(["annotate", vcf_path, "--sample-id", "S", "--format", "json,html", "--outdir", out, *extra])
    assert result.exit_code == 0, result.output
    return json.loads((out / "S.json").read_text()), (out / "S.html").read_text()


def small_variants(report: dict) -> list[dict]:
    """Small-variant rows, each an observation with the row's knowledgebase entry beside it."""
    return [{**row["observation"], "kb_id": row["kb_id"]} for row in report["alterations"] if row["observation"]["kind"] == "small_variant"]


# --- rows: coding, splice-region or matched ---------------------------------------------------------
def test_non_coding_variant_in_a_knowledgebase_gene_is_counted_not_listed(run_cli, tmp_path, write):
    path = write("s.vcf", vcf([
        ("chr7", 55100000, "A", "G", csq("G", "intron_variant", "EGFR", EGFR_TX)),
        ("chr7", 55100100, "C", "T", csq("T", "3_prime_UTR_variant&NMD_transcript_variant", "EGFR", EGFR_TX)),
        ("chr7", 55100200, "G", "A", csq("A", "intron_variant&splice_region_variant", "EGFR", EGFR_TX)),
        ("chr7", 55100300, "T", "C", csq("T", "missense_variant", "EGFR", EGFR_TX, "ENSP1:p.Leu100Pro").replace("T|", "C|", 1)),
    ]))
    report, html = annotate(run_cli, tmp_path, path)
    listed = {a["pos"] for a in small_variants(report)}
    assert listed == {55100200, 55100300}  # splice region and coding kept; intronic and UTR-only counted
    counts = report["inputs"][0]["counts"]
    assert counts["skipped_reasons"][NON_CODING_REASON] == 2
    assert report["counts"]["skipped_reasons"][NON_CODING_REASON] == 2
    assert NON_CODING_REASON in html  # the methods say what became of them


MET_EX14_ACCEPTOR_SNV = ("chr7", 116771840, "T", "G")  # 9 bases before MET exon 14 (GRCh38 116771849-116771989)
MET_EX14_DONOR_INTRONIC_DEL = ("chr7", 116771991, "GTAAGAT", "G")  # +3..+8 of the donor: inside the splice window
MET_EX14_DONOR_SPANNING_DEL = ("chr7", 116771980, "CAGATCTGGGTAAGTATTT", "C")  # across the exon's last base
EGFR_EX19_DEL = ("chr7", 55174771, "GGAATTAAGAGAAGCA", "G")  # 15-bp in-frame deletion in exon 19


@pytest.mark.parametrize("record, kb_id", [
    (MET_EX14_ACCEPTOR_SNV, "MET_EX14"),
    (MET_EX14_DONOR_INTRONIC_DEL, "MET_EX14"),
    (MET_EX14_DONOR_SPANNING_DEL, "MET_EX14"),
    (EGFR_EX19_DEL, "EGFR_EX19DEL"),
])
def test_variant_the_knowledgebase_names_is_kept_even_when_annotated_intronic(run_cli, tmp_path, write, record, kb_id):
    """Worst case: the annotation calls it intronic (VEP does for MET exon 14 splice-site deletions beyond the
    splice region). Matching decides: a knowledgebase entry keeps the row."""
    chrom, pos, ref, alt = record
    symbol, tx = ("MET", MET_TX) if kb_id.startswith("MET") else ("EGFR", EGFR_TX)
    path = write("s.vcf", vcf([(chrom, pos, ref, alt, csq(alt[1:] or "-", "intron_variant", symbol, tx))]))
    report, _ = annotate(run_cli, tmp_path, path)
    rows = small_variants(report)
    assert [(a["pos"], a["kb_id"]) for a in rows] == [(pos, kb_id)]
    assert NON_CODING_REASON not in report["counts"]["skipped_reasons"]


def test_unannotated_variants_are_kept(run_cli, tmp_path, write):
    """Nothing says they are non-coding; the knowledgebase exon tables list only some exons (EGFR 18-21), so
    an EGFR exon 7 or ALK intronic position cannot be judged from them."""
    path = write("s.vcf", vcf([("chr7", 55100000, "A", "G", None), ("chr2", 29300000, "C", "T", None)], annotated=False)
                 .replace("##contig=<ID=chr3", "##contig=<ID=chr2,length=242193529>\n##contig=<ID=chr3"))
    report, _ = annotate(run_cli, tmp_path, path)
    assert {a["pos"] for a in small_variants(report)} == {55100000, 29300000}
    assert NON_CODING_REASON not in report["counts"]["skipped_reasons"]


def test_maf_non_coding_rows_counted_coding_and_matched_kept(run_cli, tmp_path, write):
    cols = "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\tNCBI_Build\tVariant_Classification\tt_ref_count\tt_alt_count\n"
    rows = [
        "EGFR\t7\t55100000\tA\tG\tS1\tGRCh38\tIntron\t700\t300",
        "EGFR\t7\t55100100\tC\tT\tS1\tGRCh38\t3'UTR\t700\t300",
        "EGFR\t7\t55100300\tT\tC\tS1\tGRCh38\tMissense_Mutation\t700\t300",
        "MET\t7\t116771840\tT\tG\tS1\tGRCh38\tIntron\t700\t300",  # MET exon 14 acceptor: the knowledgebase names it
    ]
    path = write("s.maf", cols + "\n".join(rows) + "\n")
    report, _ = annotate(run_cli, tmp_path, path)
    assert {a["pos"] for a in small_variants(report)} == {55100300, 116771840}
    assert report["counts"]["skipped_reasons"][NON_CODING_REASON] == 2


# --- row caps ---------------------------------------------------------------------------------------
def test_html_shows_at_most_the_row_limit_and_says_how_many_more_json_has_all(run_cli, tmp_path, write):
    extra = 6
    records = [("chr7", 55100000 + 10 * i, "A", "G", None) for i in range(TABLE_ROW_LIMIT + extra - 1)]
    # the KRAS G12D hotspot comes last and at the lowest VAF: the cut must still show it (matched rows first)
    text = vcf(records, annotated=False)
    text += "chr12\t25245350\t.\tC\tT\t.\tPASS\tDP=1000\tGT:AD:AF:DP\t0/1:985,15:0.015:1000\n"
    report, html = annotate(run_cli, tmp_path, write("s.vcf", text))
    assert len(small_variants(report)) == TABLE_ROW_LIMIT + extra  # the JSON lists every row
    table = html.split('id="variants-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") - 1 == TABLE_ROW_LIMIT  # header row + at most the limit
    assert "25245350" in table and "KRAS" in table
    more = re.search(r'id="variants-more">… and (\d+) more small variant', html)
    assert more and int(more.group(1)) == extra
    assert f"lists all {TABLE_ROW_LIMIT + extra}" in html


def test_short_tables_are_whole_and_say_nothing_more(run_cli, tmp_path, write):
    report, html = annotate(run_cli, tmp_path, write("s.vcf", vcf([("chr7", 55100000, "A", "G", None)], annotated=False)))
    assert len(small_variants(report)) == 1
    assert 'id="variants-more"' not in html


# --- streaming: memory does not grow with the rows ---------------------------------------------------
def _cnr(path, bins: int) -> None:
    """Bins spread evenly over chromosomes 1-22 of GRCh38 (few of them inside knowledgebase genes)."""
    from annotator.genome import CONTIG_LENGTHS

    lengths = {c: n for c, n in CONTIG_LENGTHS["GRCh38"].items() if c.isdigit()}
    total = sum(lengths.values())
    with path.open("w") as out:
        out.write("chromosome\tstart\tend\tgene\tlog2\tdepth\tweight\n")
        for c, length in lengths.items():
            k = max(1, bins * length // total)
            step = length // k
            out.write("".join(f"chr{c}\t{i * step}\t{(i + 1) * step - 1}\t-\t{0.8 if c == '7' else 0.0}\t500\t0.9\n" for i in range(k)))


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_cnv_reader_peak_memory_does_not_grow_with_bins(tmp_path, shipped_kb):
    index = kb_index(shipped_kb, "GRCh38")
    small, large = tmp_path / "small.cnr", tmp_path / "large.cnr"
    _cnr(small, 10_000)
    _cnr(large, 100_000)
    results = {}
    peaks = {p.name: _peak(lambda p=p: results.setdefault(p.name, read_copy_number(p, index))) for p in (small, large)}
    # a list of every row grows tenfold; the streamed reader stays flat (bins in genes are ~0.2% of the genome)
    assert peaks["large.cnr"] < 2 * peaks["small.cnr"], peaks
    met = {c.gene: c for c in results["large.cnr"].copy_numbers}["MET"]
    assert met.log2 == 0.8 and met.segment.endswith("bins")
    assert results["large.cnr"].counts.records_read >= 99_000


def test_fusion_reader_peak_memory_does_not_grow_with_rows(tmp_path, shipped_kb):
    index = kb_index(shipped_kb, "GRCh38")

    def table(path, n):
        with path.open("w") as out:
            out.write("gene5\tgene3\tsupporting_reads\tbreakpoint5\tbreakpoint3\n")
            out.write("".join(
                f"EML4\tALK\t{i % 50 + 1}\tchr2:{42000000 + i}\tchr2:{29200000 + i}\n" if i % 2 else f"GENEA{i % 97}\tGENEB{i % 89}\t5\t.\t.\n"
                for i in range(n)))

    small, large = tmp_path / "small.tsv", tmp_path / "large.tsv"
    table(small, 10_000)
    table(large, 100_000)
    results = {}
    peaks = {p.name: _peak(lambda p=p: results.setdefault(p.name, read_fusions(p, index))) for p in (small, large)}
    assert peaks["large.tsv"] < 2 * peaks["small.tsv"], peaks
    fusions = results["large.tsv"].alterations
    assert [a.fusion for a in fusions] == ["EML4::ALK"] and fusions[0].supporting_reads == 50  # the best supported
    assert results["large.tsv"].counts.records_read == 100_000


# --- one-line errors ---------------------------------------------------------------------------------
GOOD_VCF = vcf([("chr12", 25245350, "C", "T", None)], annotated=False)


@pytest.mark.parametrize("name, text, needles", [
    ("over.cnr", "chromosome\tstart\tend\tgene\tlog2\tdepth\tweight\nchr7\t100\t200\tMET\t0.1\t500\t1\nchr7\t116700000\t116700500\tMET\t5000\t500\t1\n",
     ["over.cnr:3:", "log2 '5000'"]),
    ("over.cns", "chromosome\tstart\tend\tgene\tlog2\tprobes\nchr7\t116699000\t116800000\tMET\t5000\t40\n", ["over.cns:2:", "log2"]),
    ("over.cnv.tsv", "gene\tcopy_number\tlog2\nMET\tNA\t5000\n", ["over.cnv.tsv:2:", "log2"]),
], ids=["cnvkit-cnr", "cnvkit-cns", "gene-table"])
def test_cnv_log2_overflow_is_a_one_line_error(console, tmp_path, write, name, text, needles):
    cnv = write(name, text)
    outdir = tmp_path / "out"
    proc = console(["annotate", write("s.vcf", GOOD_VCF), "--cnv", cnv, "--outdir", outdir], tmp_path)
    assert_clean_failure(proc, outdir, *needles, "plausible")


HUGE = '"' + "A" * 140_000 + '"'


@pytest.mark.parametrize("option, name, text, line", [
    ("--fusions", "huge.fusions.tsv", f"gene5\tgene3\nEML4\tALK\n{HUGE}\tALK\n", 3),
    ("--cnv", "huge.cnv.tsv", f"gene\tcopy_number\nMET\t2\nEGFR\t{HUGE}\n", 3),
    ("--fusions", "huge.arriba.tsv", "#gene1\tgene2\tbreakpoint1\tbreakpoint2\tsplit_reads1\tsplit_reads2\tdiscordant_mates\n"
     f"EML4\tALK\t2:1\t2:2\t5\t5\t{HUGE}\n", 2),
], ids=["fusion-table", "cnv-gene-table", "arriba"])  # short ids: pytest puts the id in the environment
def test_table_cell_over_csv_field_limit_is_a_one_line_error(console, tmp_path, write, option, name, text, line):
    table = write(name, text)
    outdir = tmp_path / "out"
    proc = console(["annotate", write("s.vcf", GOOD_VCF), option, table, "--outdir", outdir], tmp_path)
    assert_clean_failure(proc, outdir, f"{name}:{line}:", "longer than 131,072 characters")


def test_maf_cell_over_csv_field_limit_is_a_one_line_error(console, tmp_path, write):
    maf = write("huge.maf", "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\tNCBI_Build\n"
                "KRAS\t12\t25245350\tC\tT\tS1\tGRCh38\n" f"KRAS\t12\t25245351\tC\t{HUGE}\tS1\tGRCh38\n")
    outdir = tmp_path / "out"
    assert_clean_failure(console(["annotate", maf, "--outdir", outdir], tmp_path), outdir, "huge.maf:3:", "longer than 131,072")


def test_variant_near_an_exon_the_knowledgebase_names_stays_listed(run_cli, tmp_path, write):
    """A MET intron 13 change 40 bases before exon 14 (branch-point region, outside the 25-base acceptor window)
    matches nothing, but it is too close to the exon the knowledgebase names to vanish into a count."""
    path = write("s.vcf", vcf([
        ("chr7", 116771809, "A", "G", csq("G", "intron_variant", "MET", MET_TX)),  # exon 14 starts at 116771849
        ("chr7", 116771649, "A", "G", csq("G", "intron_variant", "MET", MET_TX)),  # 200 bases before: counted
    ]))
    report, _ = annotate(run_cli, tmp_path, path)
    assert [(a["pos"], a["kb_id"]) for a in small_variants(report)] == [(116771809, None)]
    assert report["counts"]["skipped_reasons"][NON_CODING_REASON] == 1
    assert report["settings"]["calls"]["non_coding_kept_within_bp"] == 50


def test_the_plasma_origin_table_is_capped_too_and_says_how_many_more(run_cli, tmp_path, write):
    """Issue 18: the plasma section listed every variant's origin reading (2,000 variants: 15 of 27 PDF pages)."""
    extra = 7
    records = [("chr17", 7670000 + 10 * i, "A", "G", None) for i in range(TABLE_ROW_LIMIT + extra)]  # in TP53: each gets an origin reading
    report, html = annotate(run_cli, tmp_path, write("s.vcf", vcf(records, annotated=False)))
    kept = [o for o in report["plasma"]["origins"] if not o["excluded"]]
    assert len(kept) == TABLE_ROW_LIMIT + extra  # the JSON keeps every reading
    table = html.split('class="data plasma-kept"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr class=") == TABLE_ROW_LIMIT
    more = re.search(r'id="plasma-kept-more">… and (\d+) more variant', html)
    assert more and int(more.group(1)) == extra and f"lists all {TABLE_ROW_LIMIT + extra}" in html
