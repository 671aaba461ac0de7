"""Report rows for what was found: each finding, each observation, and the knowledgebase entries they matched."""

from __future__ import annotations

from collections.abc import Mapping

from annotator.interpret import Finding, Interpretation
from annotator.kb.index import KbIndex
from annotator.models import CopyNumberCall, Fusion, Observation, ProteinChange, SmallVariant
from annotator.plasma.clonality import Clonality
from annotator.plasma.polyclonal import CellFractionLike, clonality_rank
from annotator.report.citations import links
from annotator.report.model import AlterationRow, ClonalityOut, FindingOut, KbEntryOut

# Findings are listed drivers first, then resistance by kind, then the rest.
ROLE_ORDER = {"primary_driver": 0, "on_target_resistance": 1, "bypass_resistance": 2, "histologic_transformation": 3,
              "co_alteration": 4, "other": 5}


def _finding_out(f: Finding) -> FindingOut:
    obs, best = f.match.observed, f.match.best
    freqs = [f"{q.value} {q.population}" for q in (f.context.frequencies if f.context else [])]
    detail = f"{obs.gene} {obs.hgvsp}" if isinstance(obs, (SmallVariant, ProteinChange)) and obs.hgvsp else best.kb.name
    statement = f.statement
    vaf = obs.vaf if isinstance(obs, SmallVariant) else None
    copy_number = adjusted = None
    if isinstance(obs, CopyNumberCall):
        copy_number, adjusted = obs.copy_number, obs.adjusted_copy_number
        if obs.status == "likely_amplification" and adjusted is not None and obs.tumor_fraction:
            statement += (
                f" Likely amplification: {obs.copy_number:.2f} copies observed in plasma at tumor fraction {obs.tumor_fraction:.1%}"
                f" correspond to about {adjusted:.1f} tumor copies; confirm if it changes management."
            )
    return FindingOut(
        gene=obs.gene, alteration=display(f), role=f.role, kb_id=best.kb.id, match_level=best.level,
        mechanism_id=f.mechanism.id if f.mechanism else None, statement=statement,
        resistance_to=f.against, vaf=vaf, copy_number=copy_number, adjusted_copy_number=adjusted,
        frequencies=freqs, detail=detail,
    )


def display(f: Finding) -> str:
    obs, best = f.match.observed, f.match.best
    if isinstance(obs, Fusion):
        # a same-gene event matched an intragenic entry (EGFR kinase-domain duplication): it is no fusion
        return best.kb.name if obs.intragenic else f"{obs.fusion} fusion"
    hgvsp = getattr(obs, "hgvsp", None)
    if best.level == "exact":
        return best.kb.name
    if hgvsp and getattr(obs, "type", None) in ("snv", "mnv") and best.level == "codon":
        return f"{obs.gene} {hgvsp.removeprefix('p.')}"
    if hgvsp and best.level == "exon":
        return f"{best.kb.name} ({hgvsp.removeprefix('p.')})"
    return best.kb.name



def finding_rows(interp: Interpretation, clonality: Mapping[tuple, CellFractionLike] | None = None) -> list[FindingOut]:
    """Every finding, in report order: by role, then clonal before subclonal and by cell fraction (highest first;
    copy-number and fusion findings, which have none, after the small variants of their role), then by gene."""
    cells = clonality or {}
    rows = [(clonality_rank(cells.get(f.match.observed.identity)), _finding_out(f)) for f in interp.findings]
    return [out for _, out in sorted(rows, key=lambda r: (ROLE_ORDER[r[1].role], r[0], r[1].gene, r[1].alteration))]


def kb_entries(interp: Interpretation, index: KbIndex) -> list[KbEntryOut]:
    ids = sorted({f.match.best.kb.id for f in interp.findings})
    out = []
    for i in ids:
        a = index.alteration(i)
        mechs = [m.id for m in index.kb.mechanisms if i in m.alterations]
        out.append(KbEntryOut(id=i, name=a.name, detection=a.detection, mechanisms=mechs, sources=links(a.sources, index)))
    return out


def clonality_out(c: Clonality) -> ClonalityOut:
    return ClonalityOut(ccf=c.ccf, ccf_low=c.low, ccf_high=c.high, label=c.label, expected_clonal_vaf=c.expected_clonal_vaf)


def alteration_rows(alterations: list[Observation], interp: Interpretation,
                    clonality: Mapping[tuple, Clonality] | None = None) -> list[AlterationRow]:
    """Each observation with the knowledgebase entry and role it got, its VAF relative to the driver, and (small
    variants) its clonality (``clonality`` is keyed by the observation's ``identity``)."""
    cells = clonality or {}
    by_obs = {f.match.observed: f for f in interp.findings}  # observations are frozen and hashable
    driver_vafs = [obs.vaf for f in interp.findings if f.role == "primary_driver"
                   and isinstance(obs := f.match.observed, SmallVariant) and obs.vaf]
    driver_vaf = max(driver_vafs) if driver_vafs else None
    rows = []
    for a in alterations:
        f = by_obs.get(a)
        vaf = a.vaf if isinstance(a, SmallVariant) else None
        c = cells.get(a.identity) if isinstance(a, SmallVariant) else None
        rows.append(AlterationRow(
            observation=a, label=a.label, kb_id=f.match.best.kb.id if f else None, role=f.role if f else None,
            relative_vaf=round(vaf / driver_vaf, 3) if driver_vaf and vaf is not None else None,
            clonality=clonality_out(c) if c is not None else None,
        ))
    return rows

