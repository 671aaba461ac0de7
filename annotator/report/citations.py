"""Citations as the report shows them: a label per source, linked only where the record was checked."""

from __future__ import annotations

from annotator.kb.index import KbIndex
from annotator.kb.schema import Evidence, SourceRef
from annotator.report.model import EvidenceOut, Link


def links(sources: list[SourceRef], index: KbIndex) -> list[Link]:
    out: list[Link] = []
    for s in sources:
        r = index.reference(s.ref)
        label = r.citation.rstrip(". ") + f", section {s.section}" if s.section else r.citation
        url = None
        if r.nct_id:
            url = f"https://clinicaltrials.gov/study/{r.nct_id}"
        elif r.certain and r.pmid:
            url = f"https://pubmed.ncbi.nlm.nih.gov/{r.pmid}/"
        elif r.certain and r.doi:
            url = f"https://doi.org/{r.doi}"
        elif r.certain and r.url:
            url = r.url
        link = Link(label=label, url=url)
        if link not in out:
            out.append(link)
    return out


def evidence_out(e: Evidence, index: KbIndex) -> EvidenceOut:
    return EvidenceOut(
        level=e.level, level_meaning=index.kb.policy.level_meaning(e.level), type=e.type, statement=e.statement,
        negative=e.negative, references=links(e.sources, index),
    )

