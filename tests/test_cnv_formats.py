"""Every copy-number format, as each tool writes it (tests/data/cnv, see its README): the values
read per knowledgebase gene, what they measure, the segment behind them, and the bad inputs."""

from __future__ import annotations

import pytest

from annotator.config import CnvThresholds
from annotator.copynumber import TumorFraction, interpret_gene
from annotator.errors import InputError
from annotator.kb.index import kb_index
from annotator.readers.cnv import read_copy_number
from tests.support.inputs import expected_rows
from tests.support.paths import DATA

CNV = DATA / "cnv"
BY_FILE = expected_rows(CNV, "file", "sample")
CALLS = {"2": "amp", "amplification": "amp", "amp": "amp", "-2": "del", "deletion": "del", "del": "del",
         "0": "neutral", "1": "gain", "-1": "loss", "wild type": "neutral", "neutral": "neutral"}
GENE_LEVEL = ("purple.cnv.gene", "gene_table", "gistic", "oncokb", "moalmanac", "cgi")


@pytest.mark.parametrize("name, sample", sorted(BY_FILE), ids=[f"{f}:{s}" for f, s in sorted(BY_FILE)])
def test_cnv_format(shipped_kb, name, sample):
    rows = BY_FILE[(name, sample)]
    build = rows[0]["build"] if rows[0]["build"] in ("GRCh37", "GRCh38") else "GRCh38"
    index = kb_index(shipped_kb, build)
    if rows[0]["observed_copy_number_or_call"] == "ERROR":
        with pytest.raises(InputError) as err:
            read_copy_number(CNV / name, index)
        assert name in str(err.value)
        return
    result = read_copy_number(CNV / name, index, sample=rows[0]["sample"] if rows[0]["sample"] not in ("", "-") else None)
    genes = {c.gene: c for c in result.copy_numbers}
    for row in rows:
        if row["observed_copy_number_or_call"] == "WARN":  # e.g. PURPLE's -0.01 fit noise: accepted, clamped, said
            assert any("below zero treated as 0" in w for w in result.warnings), result.warnings
            continue
        got = genes.get(row["gene"])
        if row["observed_copy_number_or_call"] == "absent":
            assert got is None, f"{row['gene']} should have no value in {name}"
            continue
        if got is None and row["level"] == "call" and CALLS.get(row["observed_copy_number_or_call"].lower()) == "neutral":
            continue  # a gene-level call table that does not list a gene calls nothing for it
        assert got is not None, f"{row['gene']} missing from {name}"
        assert got.level == row["level"], (row["gene"], got.level)
        value = row["observed_copy_number_or_call"]
        if row["level"] == "call":
            assert got.tool_call == CALLS[value.lower()], (row["gene"], got.tool_call, value)
        else:
            assert got.copy_number == pytest.approx(float(value), abs=0.06), (row["gene"], got.copy_number, value)
        if row["segment_length_bp"] not in ("NA", "") and not any(k in name for k in GENE_LEVEL):
            assert got.segment_length == int(row["segment_length_bp"]), (row["gene"], got.segment_length)


def test_every_segment_format_flags_met_erbb2_fgfr1_amplified_at_full_tumor_fraction(shipped_kb):
    """At tumor fraction 1 (no dilution) the MET, ERBB2 and FGFR1 values of every fixture are amplifications."""
    for (name, sample), rows in BY_FILE.items():
        if rows[0]["observed_copy_number_or_call"] == "ERROR" or "polysomy" in name or "lowtf" in name or sample == "PLASMA_P011_T1" or name.endswith(".cnr"):
            continue
        if "filtered" in name:  # the MET gain is not PASS: tests/test_issue10_cnv_filter.py
            continue
        index = kb_index(shipped_kb, rows[0]["build"] if rows[0]["build"] in ("GRCh37", "GRCh38") else "GRCh38")
        result = read_copy_number(CNV / name, index, sample=sample or None)
        statuses = {c.gene: interpret_gene(c, TumorFraction(1.0, "test"), CnvThresholds()).status for c in result.copy_numbers}
        for gene in ("MET", "ERBB2", "FGFR1"):
            assert statuses.get(gene) == "amplification", (name, gene, statuses.get(gene))
