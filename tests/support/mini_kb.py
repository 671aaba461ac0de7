"""The fixture knowledgebase (tests/fixtures/mini_kb) and its variants, with samples to run on them.

A rule is tested apart from curation: a test copies the mini KB to ``tmp_path``, adds the few entries its rule
needs (``kb_variant``) and annotates a small sample on it. Records are Mutect2 lines on the mini KB's codons
(EGFR 858, KRAS 12); GRCh38 unless named ``_37``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable

import yaml

from annotator.config import RunConfig
from annotator.kb.load import load_knowledgebase
from annotator.kb.schema import Knowledgebase
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import mutect2_vcf
from tests.support.paths import MINI_KB

# --- sample records (GRCh38; the mini KB's codon table) -------------------------------------------------------
N = "0/0:500,0:0.0:500"
L858R = f"chr7 55191822 T G PASS {N} 0/1:2640,360:0.12:3000"  # EGFR codon 858 CTG>CGG
G12C = f"chr12 25245351 C A PASS {N} 0/1:950,50:0.05:1000"  # KRAS (minus strand) codon 12 GGT>TGT
G12D = f"chr12 25245350 C T PASS {N} 0/1:985,15:0.015:1000"  # GGT>GAT
G12V = f"chr12 25245350 C A PASS {N} 0/1:985,15:0.015:1000"  # GGT>GTT: no entry in the mini KB
L858R_37 = f"7 55259515 T G PASS {N} 0/1:2640,360:0.12:3000"
G12D_37 = f"12 25398284 C T PASS {N} 0/1:985,15:0.015:1000"
KIF5B_RET = "KIF5B\tRET\t42\n"
MET_AMP_8 = "MET\t8.0\n"

REVIEWED = dt.date(2026, 11, 25)
SOURCES = [{"ref": "review"}]


# --- building knowledgebase variants --------------------------------------------------------------------------
def kb_variant(
    tmp_path,
    *,
    replace: list[tuple[str, str, str]] = (),
    policy: Callable[[dict], None] | None = None,
    **entries: list[dict],
) -> Knowledgebase:
    """The mini KB copied to ``tmp_path/kb`` with ``entries`` appended (``regimens=[...]`` goes to regimens.yaml),
    ``replace`` edits (file, old, new) applied first, and ``policy`` editing policy.yaml's mapping in place."""
    dest = tmp_path / "kb"
    shutil.copytree(MINI_KB, dest)
    for file, old, new in replace:
        text = (dest / file).read_text()
        assert old in text, f"{old!r} not in the mini KB's {file}: update this test"
        (dest / file).write_text(text.replace(old, new))
    if policy is not None:
        data = yaml.safe_load((dest / "policy.yaml").read_text())
        policy(data)
        (dest / "policy.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    for stem, items in entries.items():
        if not items:
            continue
        path = dest / f"{stem}.yaml"
        path.write_text(path.read_text().rstrip("\n") + "\n" + yaml.safe_dump(items, sort_keys=False))
    return load_knowledgebase(dest)


def regimen(id_, drugs, answers, driver, *, after=None, level="B", type_="phase2", standard=False, negative=False,
            **extra) -> dict:
    """A regimen entry; ``after`` None is first line."""
    entry = {
        "id": id_, "drugs": drugs, "answers": answers, "driver": driver,
        "evidence": [{"level": level, "type": type_, "statement": f"{id_} statement", "negative": negative, "sources": SOURCES}],
        "standard": standard, "sources": SOURCES, "last_reviewed": REVIEWED, **extra,
    }
    if after is not None:
        entry["after"] = after
    return entry


def drug_class(id_, category="targeted") -> dict:
    return {"id": id_, "name": id_.replace("_", " "), "category": category, "sources": SOURCES, "last_reviewed": REVIEWED}


def drug(id_, classes, targets, tki_for=(), **extra) -> dict:
    return {"id": id_, "name": id_, "drug_class": classes[0], "classes": classes, "targets": targets,
            "tki_for": list(tki_for), "status": "test", "sources": SOURCES, "last_reviewed": REVIEWED, **extra}


def trial(id_, *, biomarkers=(), driver="EGFR", after=None, status=None, arm_drugs=()) -> dict:
    entry = {"id": id_, "title": f"{id_} title", "design": "interventional", "biomarkers": list(biomarkers),
             "driver": driver, "setting": f"{id_} setting", "arm_drugs": [list(a) for a in arm_drugs],
             "sources": SOURCES, "last_reviewed": REVIEWED}
    if after is not None:
        entry["after"] = after
    if status is not None:
        entry["status"] = status
    return entry


def mechanism(id_, alterations, contexts, category="on_target") -> dict:
    return {"id": id_, "alterations": alterations, "category": category, "summary": id_, "contexts": contexts,
            "sources": SOURCES, "last_reviewed": REVIEWED}


# Named fixtures of the tmp knowledgebases (the mini KB has no first-line EGFR regimen, no chemotherapy, no
# tool compound, and one drug per targeted class).
OSIMERTINIB_FIRST_LINE = regimen("osimertinib_first_line", ["osimertinib"], ["EGFR_L858R", "EGFR_EX19DEL"], "EGFR",
                                 level="A", type_="approved", standard=True)
CHEMO_CLASS = drug_class("platinum_chemotherapy", "chemotherapy")
CARBOPLATIN = drug("carboplatin", ["platinum_chemotherapy"], ["DNA"])
TOOL_CLASS = drug_class("research_tool", "tool_compound")
TOOL_DRUG = drug("tool-1", ["research_tool"], ["RET"])
CAPMATINIB = drug("capmatinib", ["met_tki_type_i"], ["MET"], [{"gene": "MET"}])
PRALSETINIB = drug("pralsetinib", ["selective_ret_inhibitor"], ["RET"], [{"gene": "RET"}])
ADAGRASIB = drug("adagrasib", ["kras_g12c_inhibitor"], ["KRAS G12C"], [{"gene": "KRAS"}], allele_specific="KRAS_G12C")
MEK_CLASS = drug_class("mek_inhibitor")
TRAMETINIB = drug("trametinib", ["mek_inhibitor"], ["MEK1", "MEK2"])
AFTER_OSIMERTINIB = {"drugs": ["osimertinib"]}
# KRAS_G12D is not a driver entry in the mini KB; the allele-specific rule needs two driver alleles of one gene.
G12D_AS_DRIVER = ("alterations.yaml", "protein: [G12D], detection", "protein: [G12D], driver: true, detection")


def osimertinib_capmatinib(**extra) -> dict:
    """A second MET-bypass combination (its own drugs, so it never merges with osimertinib + savolitinib)."""
    extra.setdefault("after", AFTER_OSIMERTINIB)
    return regimen("osimertinib_capmatinib", ["osimertinib", "capmatinib"], ["MET_AMP"], "EGFR", **extra)


def kras_on_target(after, resists=None) -> dict:
    """KRAS G12D as on-target resistance in the KRAS(G12C)-driven context."""
    ctx = {"driver": "KRAS", "role": "on_target_resistance", "after": after}
    if resists is not None:
        ctx["resists"] = resists
    return mechanism("MECH_KRAS_G12D_ON_TARGET", ["KRAS_G12D"], [ctx])


# --- running a sample -----------------------------------------------------------------------------------------
def run(write, kb, records, build="GRCh38", cnv=None, fusions=None, prior=(), driver=None, **config):
    vcf = write("s.vcf", mutect2_vcf(records, build))
    cnv_paths = (write("s.cnv.tsv", "gene\tcopy_number\n" + cnv),) if cnv else ()
    fus_paths = (write("s.fusions.tsv", "gene5\tgene3\tsupporting_reads\n" + fusions),) if fusions else ()
    inputs = SampleInputs(vcfs=(vcf,), cnv=cnv_paths, fusions=fus_paths, prior_therapies=tuple(prior), driver=driver)
    return annotate_sample(inputs, RunConfig(**config), kb)


def roles(report) -> dict[str, str]:
    return {f.alteration: f.role for f in report.findings}


def finding(report, name):
    found = [f for f in report.findings if f.alteration == name]
    assert found, f"{name} not among {[f.alteration for f in report.findings]}"
    return found[0]


def offered(report) -> list[str]:
    return [t.id for t in report.offered_options]


def listed(report) -> list[str]:
    """Every regimen the report names: offered or not recommended."""
    return offered(report) + [n.therapy.id for n in report.not_recommended]


def removed(report) -> dict[str, tuple[str, str, str]]:
    return {n.therapy.id: (n.rule, n.rule_title, n.reason) for n in report.not_recommended}


# Cross-resistance as data: two KRAS G12C regimens after sotorasib, the KRAS G12D on-target tests' knowledgebase.
KRAS_RESISTANCE_KB = dict(
    drug_classes=[MEK_CLASS], drugs=[ADAGRASIB, TRAMETINIB],
    regimens=[
        regimen("adagrasib_after_sotorasib", ["adagrasib"], ["KRAS_G12C"], "KRAS", after={"drugs": ["sotorasib"]}),
        regimen("sotorasib_trametinib", ["sotorasib", "trametinib"], ["KRAS_G12C"], "KRAS", after={"drugs": ["sotorasib"]}),
    ],
)
