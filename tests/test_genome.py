import pytest

from annotator.errors import InputError
from annotator.genome import bare_contig, detect_build, parse_build


@pytest.mark.parametrize("name, build", [("hg19", "GRCh37"), ("b37", "GRCh37"), ("GRCH38", "GRCh38"), ("hg38", "GRCh38")])
def test_build_aliases(name, build):
    assert parse_build(name) == build


def test_unknown_build_lists_accepted_names():
    with pytest.raises(InputError, match="GRCh37, GRCh38"):
        parse_build("hg18")


def test_contig_lengths_decide_build_whatever_the_prefix():
    assert detect_build([], {"chr7": 159345973}, "x")[0] == "GRCh38"
    assert detect_build([], {"7": 159345973}, "x")[0] == "GRCh38"
    assert detect_build([], {"chr7": 159138663}, "x")[0] == "GRCh37"


def test_reference_line_alone_decides_build():
    assert detect_build(["##reference=file:///ref/human_g1k_v37.fasta"], {}, "x")[0] == "GRCh37"
    assert detect_build(["##reference=file:///ref/Homo_sapiens_assembly38.fasta"], {}, "x")[0] == "GRCh38"


def test_contradicting_evidence_is_an_error_that_shows_it():
    with pytest.raises(InputError, match="contradicts") as err:
        detect_build(["##reference=hg19.fa"], {"chr1": 248956422}, "in.vcf")
    assert "chr1 length 248956422" in str(err.value)


def test_silent_header_gives_no_build():
    assert detect_build([], {"chrM": 16569}, "x") == (None, [])


@pytest.mark.parametrize("name, bare", [("chr7", "7"), ("7", "7"), ("chrM", "MT"), ("MT", "MT"), ("chrX", "X")])
def test_bare_contig(name, bare):
    assert bare_contig(name) == bare
