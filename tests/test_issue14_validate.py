"""`kb validate` asks a checked reference for what lets a reader find its record again (issue 14)."""

from __future__ import annotations

import pytest

from annotator.errors import KnowledgebaseError
from tests.support.mini_kb import kb_variant

BROKEN = {
    "checked article without DOI or PMID": (
        {"kind": "article", "citation": "A paper", "certain": True},
        "a certain article needs its DOI or PMID",
    ),
    "checked label without its approval date": (
        {"kind": "label", "citation": "A label", "agency": "FDA", "certain": True},
        "a certain label needs its agency, approval date and approval type",
    ),
    "registry entry without its NCT number": (
        {"kind": "trial_registry", "citation": "A registry record", "certain": False},
        "a trial registry reference needs its NCT number",
    ),
}


@pytest.mark.parametrize("entry, problem", BROKEN.values(), ids=BROKEN.keys())
def test_a_reference_missing_its_identifier_is_refused(tmp_path, entry, problem):
    with pytest.raises(KnowledgebaseError) as caught:
        kb_variant(tmp_path, references=[{"id": "incomplete", **entry}])
    assert f"references.yaml: incomplete: {problem}" in caught.value.problems


def test_complete_references_load(tmp_path):
    kb_variant(tmp_path, references=[
        {"id": "paper", "kind": "article", "citation": "A paper", "pmid": "123", "certain": True},
        {"id": "label", "kind": "label", "citation": "A label", "agency": "FDA", "approval_date": "2024-02-16",
         "approval_type": "regular", "certain": True},
        {"id": "unchecked", "kind": "article", "citation": "Cited through the review", "certain": False},
    ])


def test_every_role_has_a_label_and_a_chart_series():
    """A role the renderers do not know would drop its variants from the chart or break the HTML."""
    import typing

    from annotator.kb.schema import Role
    from annotator.render.charts import ROLE_SERIES
    from annotator.render.html import ROLE_LABELS

    roles = set(typing.get_args(Role))
    assert roles == set(ROLE_LABELS) == {r[0] for r in ROLE_SERIES}


def test_histologic_transformation_has_its_own_role(shipped_kb):
    mech = next(m for m in shipped_kb.mechanisms if m.id == "MECH_HISTOLOGIC_TRANSFORMATION")
    assert {c.role for c in mech.contexts} == {"histologic_transformation"}


def test_a_histologic_role_outside_the_histologic_category_is_refused(tmp_path):
    with pytest.raises(KnowledgebaseError) as caught:
        kb_variant(tmp_path, replace=[("mechanisms.yaml", "contexts: [{driver: EGFR, role: bypass_resistance}]",
                                       "contexts: [{driver: EGFR, role: histologic_transformation}]")])
    assert any("belongs to, and only to, category 'histologic'" in p for p in caught.value.problems)


def test_an_uncurated_change_in_a_driver_gene_is_named_as_a_possible_driver(write, shipped_kb):
    """No curated driver, but an EGFR change the knowledgebase does not name: never a silent 'no driver'."""
    from annotator.config import RunConfig
    from annotator.pipeline import SampleInputs, annotate_sample

    maf = write("s.maf", "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
                "Tumor_Sample_Barcode\tHGVSp_Short\tt_ref_count\tt_alt_count\n"
                "EGFR\tGRCh38\t7\t55019300\tN\tN\tS1\tp.E709K\t950\t50\n")
    report = annotate_sample(SampleInputs(vcfs=(maf,)), RunConfig(genome="GRCh38"), shipped_kb)
    assert report.summary.headline.startswith("Primary driver not curated in this knowledgebase: EGFR E709K")
    assert "EGFR E709K" in report.summary.uncurated


def test_a_key_given_twice_in_one_entry_is_refused(tmp_path):
    """YAML keeps the last of two equal keys silently: a merge repeating `level:` would change a fact unseen."""
    with pytest.raises(KnowledgebaseError) as caught:
        kb_variant(tmp_path, replace=[("regimens.yaml", "  driver: RET\n", "  driver: RET\n  driver: EGFR\n")])
    assert any(p.startswith("regimens.yaml: line ") and "duplicate key 'driver'" in p for p in caught.value.problems)
