import pytest

from annotator.normalize import short_hgvsp, translate_codon_change, trim_alleles, variant_type


@pytest.mark.parametrize(
    "given, expected",
    [
        ("ENSP00000256078.4:p.Gly12Asp", "p.G12D"),
        ("p.(Gly12Asp)", "p.G12D"),
        ("p.G12D", "p.G12D"),
        ("ENSP00000275493.2:p.Glu746_Ala750del", "p.E746_A750del"),
        ("ENSP00000256078.4:p.Gly12%3D", "p.G12="),
        ("p.Gln61Ter", "p.Q61*"),
        ("", None),
        (None, None),
        ("c.35G>A", None),
    ],
)
def test_short_hgvsp(given, expected):
    assert short_hgvsp(given) == expected


@pytest.mark.parametrize(
    "pos, ref, alt, expected",
    [
        (25398284, "C", "T", "p.G12D"),  # KRAS c.35G>A, minus strand, GRCh37
        (25398285, "C", "A", "p.G12C"),  # c.34G>T
        (25398283, "A", "G", "p.G12="),  # synonymous c.36T>C
        (25398285, "CA", "AG", None),  # spans codons 12 and 11: no single-codon translation
        (25398284, "G", "T", None),  # REF disagrees with the reference codon: no guess
    ],
)
def test_translate_minus_strand_codon(pos, ref, alt, expected):
    assert translate_codon_change(25398283, "GGT", -1, 12, pos, ref, alt) == expected


def test_translate_plus_strand_codon():
    # EGFR L858R GRCh38: codon 858 = CTG at chr7:55191821-55191823, c.2573T>G at the middle base.
    assert translate_codon_change(55191821, "CTG", 1, 858, 55191822, "T", "G") == "p.L858R"


@pytest.mark.parametrize(
    "ref, alt, kind",
    [("C", "T", "snv"), ("CA", "AG", "mnv"), ("A", "AT", "insertion"), ("AGGAATTAAGAGAAGC", "A", "deletion"), ("ACG", "T", "delins")],
)
def test_variant_type(ref, alt, kind):
    assert variant_type(ref, alt) == kind


def test_trim_moves_position_with_prefix():
    assert trim_alleles(100, "AGGA", "A") == (101, "GGA", "")
    assert trim_alleles(100, "ACT", "AGT") == (101, "C", "G")
