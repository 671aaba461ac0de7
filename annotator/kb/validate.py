"""Cross-reference checks over a parsed knowledgebase: ids exist, are unique, and rules are coherent.

Each problem is one ``file: entry: problem`` line; all are collected before anything is raised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from annotator.kb.schema import Knowledgebase, SourceRef


def _duplicates(file: str, ids: Iterable[str]) -> list[str]:
    return [f"{file}: {i}: duplicate id" for i, n in Counter(ids).items() if n > 1]


def cross_reference_problems(kb: Knowledgebase) -> list[str]:
    p: list[str] = []
    refs = {r.id for r in kb.references}
    genes = {g.symbol for g in kb.genes}
    drugs = {d.id: d for d in kb.drugs}
    alterations = {a.id: a for a in kb.alterations}
    trials = {t.id for t in kb.trials}
    driver_groups = {a.gene for a in kb.alterations if a.driver}

    p += _duplicates("references.yaml", (r.id for r in kb.references))
    p += _duplicates("genes.yaml", (g.symbol for g in kb.genes))
    p += _duplicates("drugs.yaml", (d.id for d in kb.drugs))
    p += _duplicates("alterations.yaml", (a.id for a in kb.alterations))
    p += _duplicates("mechanisms.yaml", (m.id for m in kb.mechanisms))
    p += _duplicates("regimens.yaml", (r.id for r in kb.regimens))
    p += _duplicates("trials.yaml", (t.id for t in kb.trials))
    p += _duplicates("trials.yaml", (t.nct_id for t in kb.trials if t.nct_id))
    names = Counter(n.lower() for d in kb.drugs for n in {d.id, d.name.lower(), *map(str.lower, d.synonyms)})
    p += [f"drugs.yaml: {n}: name or synonym used by more than one drug" for n, c in names.items() if c > 1]

    def check_sources(file: str, entry: str, sources: Iterable[SourceRef]) -> None:
        for s in sources:
            if s.ref not in refs:
                p.append(f"{file}: {entry}: unknown reference id {s.ref!r}")

    for g in kb.genes:
        check_sources("genes.yaml", g.symbol, g.sources)
        for build in ("GRCh37", "GRCh38"):
            loc = getattr(g.location, build)
            for c in g.codons:
                pos = getattr(c, build)
                if not (loc.start <= pos and pos + 2 <= loc.end):
                    p.append(f"genes.yaml: {g.symbol}: codon {c.number} on {build} lies outside the gene")
            for e in g.exons:
                r = getattr(e, build)
                if r.chrom != loc.chrom or r.start < loc.start or r.end > loc.end:
                    p.append(f"genes.yaml: {g.symbol}: exon {e.number} on {build} lies outside the gene")
    for d in kb.drugs:
        check_sources("drugs.yaml", d.id, d.sources)
        if d.allele_specific and d.allele_specific not in alterations:
            p.append(f"drugs.yaml: {d.id}: allele_specific names unknown alteration {d.allele_specific!r}")
    for a in kb.alterations:
        check_sources("alterations.yaml", a.id, a.sources)
        if a.gene is not None and a.gene not in genes:
            p.append(f"alterations.yaml: {a.id}: unknown gene {a.gene!r}")
        if a.fusion:
            if a.gene not in (a.fusion.gene5, a.fusion.gene3):
                p.append(f"alterations.yaml: {a.id}: gene {a.gene!r} is not a partner of the fusion")
        if a.kind == "codon":
            gene = next((g for g in kb.genes if g.symbol == a.gene), None)
            if gene and a.codon not in {c.number for c in gene.codons}:
                p.append(f"alterations.yaml: {a.id}: codon {a.codon} has no coordinates in genes.yaml")
        if a.kind in ("exon_inframe_deletion", "exon_insertion", "exon_skipping"):
            gene = next((g for g in kb.genes if g.symbol == a.gene), None)
            if gene and a.exon not in {e.number for e in gene.exons}:
                p.append(f"alterations.yaml: {a.id}: exon {a.exon} has no coordinates in genes.yaml")
            exon = next((e for e in gene.exons if e.number == a.exon), None) if gene else None
            if exon and a.splice_windows:
                # An exonic window longer than the exon would reach into the other intron unannounced.
                length = min(getattr(exon, b).end - getattr(exon, b).start + 1 for b in ("GRCh37", "GRCh38"))
                for name in ("donor_exonic", "acceptor_exonic"):
                    if getattr(a.splice_windows, name) > length:
                        p.append(f"alterations.yaml: {a.id}: splice_windows.{name} {getattr(a.splice_windows, name)}"
                                 f" is longer than exon {a.exon} ({length} bases)")
    for m in kb.mechanisms:
        check_sources("mechanisms.yaml", m.id, m.sources)
        for a in m.alterations:
            if a not in alterations:
                p.append(f"mechanisms.yaml: {m.id}: unknown alteration {a!r}")
        for ctx in m.contexts:
            if ctx.driver not in driver_groups:
                p.append(f"mechanisms.yaml: {m.id}: context driver {ctx.driver!r} has no driver alteration")
            for drug in ctx.after.drugs:
                if drug not in drugs:
                    p.append(f"mechanisms.yaml: {m.id}: unknown drug id {drug!r}")
            for f in ctx.frequencies:
                check_sources("mechanisms.yaml", m.id, f.sources)
    for r in kb.regimens:
        check_sources("regimens.yaml", r.id, r.sources)
        for e in r.evidence:
            check_sources("regimens.yaml", r.id, e.sources)
        for drug in r.drugs:
            if drug not in drugs:
                p.append(f"regimens.yaml: {r.id}: unknown drug id {drug!r}")
        for a in r.answers:
            if a not in alterations:
                p.append(f"regimens.yaml: {r.id}: unknown alteration id {a!r}")
        for t in r.trials:
            if t not in trials:
                p.append(f"regimens.yaml: {r.id}: unknown trial id {t!r}")
        if r.driver and r.driver not in driver_groups:
            p.append(f"regimens.yaml: {r.id}: driver {r.driver!r} has no driver alteration")
        answered = set(r.answers)
        for drug in r.drugs:
            d = drugs.get(drug)
            if d and d.allele_specific and answered - {d.allele_specific}:
                p.append(
                    f"regimens.yaml: {r.id}: {drug} is specific to {d.allele_specific} but the regimen"
                    f" answers {sorted(answered)}"
                )
        if len(r.drugs) == 1 and not r.drug_classes and r.drugs[0] in drugs:
            # A single drug against a bypass must hit the bypass gene: the driver's TKI alone is what failed.
            drug = drugs[r.drugs[0]]
            for m in kb.mechanisms:
                if m.category != "bypass" or not any(c.driver == r.driver for c in m.contexts):
                    continue
                for a in sorted(set(m.alterations) & set(r.answers)):
                    gene = alterations[a].gene
                    if gene and gene not in drug.targets:
                        p.append(f"regimens.yaml: {r.id}: offers {drug.id} alone against {a} ({m.id}), but {drug.id} does not target {gene}")
    for t in kb.trials:
        check_sources("trials.yaml", t.id, t.sources)
        for m in t.biomarkers:
            if m not in alterations:
                p.append(f"trials.yaml: {t.id}: unknown biomarker (alteration id) {m!r}")
        if t.driver and t.driver not in driver_groups:
            p.append(f"trials.yaml: {t.id}: driver {t.driver!r} has no driver alteration")
    return p
