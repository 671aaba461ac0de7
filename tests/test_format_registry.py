"""Adding a format is one registry entry: a copy-number and a fusion format registered here, inside the
test, are detected from their header and read into the usual observations with no other code change."""

from __future__ import annotations

import pytest

from annotator.errors import InputError
from annotator.kb.index import kb_index
from annotator.readers import cnv, fusion

# A Sequenza-like segment table: coordinates in start.pos/end.pos, the tumor copy number in CNt.
SEGMENTS = (
    "chromosome\tstart.pos\tend.pos\tBf\tdepth.ratio\tCNt\n"
    "chr7\t116600000\t116900000\t0.5\t4.1\t12\n"  # over MET
    "chr7\t1000\t2000\t0.5\t1.0\t2\n"  # in no knowledgebase gene
)
# A fusion caller's table, with a row type that is not a fusion (skipped under its reason).
FUSIONS = (
    "geneA\tchrA\tposA\tgeneB\tchrB\tposB\treadsA\treadsB\ttype\n"
    "EML4\tchr2\t42264000\tALK\tchr2\t29223500\t14\t9\tCTX\n"
    "MET\tchr7\t116700000\tMET\tchr7\t116700300\t5\t5\tITD\n"
)
ITD = "internal tandem duplications: not fusions"


def _segment(row: cnv.Row) -> cnv.Segment:
    span = row.span("chromosome", start="start.pos", end="end.pos")
    return span.segment(copy_number=row.number("cnt", "CNt"))


def _fusion(row: fusion.Row) -> fusion.RawFusion | str:
    if row.get("type") == "ITD":
        return ITD
    reads = (fusion.read_count(row.get("readsa")) or 0) + (fusion.read_count(row.get("readsb")) or 0)
    return fusion.RawFusion(row.get("genea"), row.get("geneb"), row.line, reads,
                            f"{row.get('chra')}:{row.get('posa')}", f"{row.get('chrb')}:{row.get('posb')}")


@pytest.fixture
def index(shipped_kb):
    return kb_index(shipped_kb, "GRCh38")


def test_a_copy_number_format_is_one_entry(monkeypatch, tmp_path, index):
    path = tmp_path / "sample.segments.txt"
    path.write_text(SEGMENTS)
    with pytest.raises(InputError, match="unrecognized copy-number format"):
        cnv.detect_format(path)

    columns = ("chromosome", "start.pos", "end.pos", "cnt")
    monkeypatch.setitem(cnv.FORMATS, "sequenza", cnv.CnvFormat("Sequenza segments", "tumor", columns, cnv.SegmentTable(_segment)))

    assert cnv.detect_format(path) == "sequenza"
    result = cnv.read_copy_number(path, index)
    assert result.input.format == "Sequenza segments (tumor-level)"
    [met] = result.copy_numbers
    assert (met.gene, met.copy_number, met.level, met.segment) == ("MET", 12.0, "tumor", "chr7:116600000-116900000")
    assert (result.counts.records_read, result.counts.outside_knowledgebase_genes) == (2, 1)


def test_a_fusion_format_is_one_entry(monkeypatch, tmp_path, index):
    path = tmp_path / "sample.fusions.txt"
    path.write_text(FUSIONS)
    with pytest.raises(InputError, match="no recognizable fusion header"):
        fusion.detect_format(path)

    columns = ("genea", "geneb", "readsa", "readsb")
    monkeypatch.setitem(fusion.FORMATS, "test-caller", fusion.FusionFormat("test caller fusions", "rna", columns, _fusion, "TestCaller"))

    assert fusion.detect_format(path) == "test-caller"
    result = fusion.read_fusions(path, index)
    assert result.input.format == "test caller fusions"
    [alk] = result.alterations
    assert (alk.fusion, alk.gene, alk.evidence, alk.caller, alk.supporting_reads) == ("EML4::ALK", "ALK", "rna", "TestCaller", 23)
    assert (alk.breakpoint5, alk.breakpoint3) == ("chr2:42264000", "chr2:29223500")
    assert result.counts.skipped_reasons == {ITD: 1}
    assert f"{path.name}: 1 record(s) skipped: {ITD}" in result.warnings

    unknown = tmp_path / "other.tsv"
    unknown.write_text("sample\tpartner_a\tpartner_b\n")
    with pytest.raises(InputError, match="oncokb-annotator, CGI or TestCaller columns"):  # the hint lists the new caller too
        fusion.detect_format(unknown)
