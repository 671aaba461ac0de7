"""Cross-reference checks over a parsed knowledgebase: ids exist, are unique, and rules are coherent.

Each problem is one ``file: entry: problem`` line; all are collected before anything is raised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from annotator.kb.schema import Knowledgebase, SourceRef, TherapyCondition


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
    for r in kb.references:
        # What a checked reference must carry, so that a reader can find the record again.
        if r.certain and r.kind in ("article", "review") and not (r.doi or r.pmid):
            p.append(f"references.yaml: {r.id}: a certain {r.kind} needs its DOI or PMID")
        if r.certain and r.kind == "label" and not (r.agency and r.approval_date and r.approval_type):
            p.append(f"references.yaml: {r.id}: a certain label needs its agency, approval date and approval type")
        if r.kind == "trial_registry" and not r.nct_id:
            p.append(f"references.yaml: {r.id}: a trial registry reference needs its NCT number")
    p += _duplicates("genes.yaml", (g.symbol for g in kb.genes))
    p += _duplicates("drug_classes.yaml", (c.id for c in kb.drug_classes))
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
    classes = {c.id for c in kb.drug_classes}
    levels = [d.level for d in kb.policy.evidence_levels]
    types = [d.type for d in kb.policy.evidence_types]
    p += _duplicates("policy.yaml", levels) + _duplicates("policy.yaml", types)
    p += _duplicates("policy.yaml", (r.id for r in kb.policy.exclusion_rules))
    check_sources("policy.yaml", "policy", kb.policy.sources)

    def check_condition(file: str, entry: str, cond: TherapyCondition) -> None:
        p.extend(f"{file}: {entry}: unknown drug id {d!r}" for d in cond.drugs if d not in drugs)
        p.extend(f"{file}: {entry}: unknown drug class {c!r}" for c in cond.classes if c not in classes)
        if cond.also is not None:
            check_condition(file, entry, cond.also)

    for c in kb.drug_classes:
        check_sources("drug_classes.yaml", c.id, c.sources)
    for d in kb.drugs:
        check_sources("drugs.yaml", d.id, d.sources)
        p.extend(f"drugs.yaml: {d.id}: unknown drug class {c!r}" for c in d.classes if c not in classes)
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
            if (ctx.role == "histologic_transformation") != (m.category == "histologic"):
                p.append(f"mechanisms.yaml: {m.id}: role histologic_transformation belongs to, and only to, category 'histologic'")
            if ctx.driver not in driver_groups:
                p.append(f"mechanisms.yaml: {m.id}: context driver {ctx.driver!r} has no driver alteration")
            check_condition("mechanisms.yaml", m.id, ctx.after)
            if ctx.after.any_systemic or ctx.after.most_recent or ctx.after.also is not None:
                # Resistance is to a targeted drug for the driver, judged by role (most recent for on-target): these
                # words would be silently ignored.
                p.append(f"mechanisms.yaml: {m.id}: a context's 'after' names targeted therapy (drugs, generations,"
                         " classes), not any_systemic, most_recent or also")
            if ctx.resists is not None:
                check_condition("mechanisms.yaml", m.id, ctx.resists)
                if ctx.role != "on_target_resistance":
                    p.append(f"mechanisms.yaml: {m.id}: 'resists' is for on-target resistance (class cross-resistance), not {ctx.role}")
            for f in ctx.frequencies:
                check_sources("mechanisms.yaml", m.id, f.sources)
    # Alterations that are resistance to a driver's therapy: evidence about them is post-resistance evidence.
    resistance_in = {(a, c.driver) for m in kb.mechanisms if not m.deprecated for c in m.contexts for a in m.alterations}
    # A driver-independent entry answering an alteration that is only ever resistance (never a driver) is post-resistance too.
    only_resistance = {a for a, _ in resistance_in if a in alterations and not alterations[a].driver}

    def post_resistance(answers: Iterable[str], driver: str | None) -> list[str]:
        """Answered alterations that are resistance in this driver's context, leaving out the driver's own alleles
        (KRAS G12D is a KRAS driver as well as resistance to a G12C inhibitor: a first-line KRAS regimen may answer it)."""
        return sorted(a for a in answers if ((a, driver) in resistance_in and not (
            a in alterations and alterations[a].driver and alterations[a].gene == driver)) or (driver is None and a in only_resistance))
    for r in kb.regimens:
        check_sources("regimens.yaml", r.id, r.sources)
        check_condition("regimens.yaml", r.id, r.after)
        for e in r.evidence:
            check_sources("regimens.yaml", r.id, e.sources)
            if e.level not in levels:
                p.append(f"regimens.yaml: {r.id}: evidence level {e.level!r} is not in the evidence scale (policy.yaml: {levels})")
            if e.type not in types:
                p.append(f"regimens.yaml: {r.id}: evidence type {e.type!r} is not in the evidence scale (policy.yaml: {types})")
        post = post_resistance(r.answers, r.driver)
        if post and r.after.is_empty() and not r.deprecated:
            where = f"resistance in {r.driver}-driven disease" if r.driver else "only ever resistance"
            p.append(f"regimens.yaml: {r.id}: answers {', '.join(post)}, {where}, so its evidence"
                     " is post-resistance: say after which therapy ('after')")
        if r.standard and not any(e.level == levels[0] and not e.negative for e in r.evidence):
            p.append(f"regimens.yaml: {r.id}: a standard option needs positive level-{levels[0]} evidence")
        if r.allele_context:
            for a in (*r.allele_context.present, *r.allele_context.absent):
                if a not in alterations:
                    p.append(f"regimens.yaml: {r.id}: allele_context names unknown alteration {a!r}")
        for th in r.thresholds:
            check_sources("regimens.yaml", r.id, th.sources)
            if th.alteration not in r.answers:
                p.append(f"regimens.yaml: {r.id}: threshold for {th.alteration!r}, which the regimen does not answer")
            elif th.alteration in alterations and alterations[th.alteration].kind != "amplification":
                p.append(f"regimens.yaml: {r.id}: a copy-number threshold needs an amplification entry, not {th.alteration!r}")
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
        check_condition("trials.yaml", t.id, t.after)
        for arm in t.arm_drugs:
            p.extend(f"trials.yaml: {t.id}: arm_drugs names unknown drug id {d!r}" for d in arm if d not in drugs)
        if t.status is not None:
            check_sources("trials.yaml", t.id, t.status.sources)
        post = post_resistance(t.biomarkers, t.driver)
        if post and t.after.is_empty() and not t.before_progression and not t.deprecated:
            where = f"resistance in {t.driver}-driven disease" if t.driver else "only ever resistance"
            p.append(f"trials.yaml: {t.id}: enrols {', '.join(post)}, {where}: say after which therapy ('after')")
        for m in t.biomarkers:
            if m not in alterations:
                p.append(f"trials.yaml: {t.id}: unknown biomarker (alteration id) {m!r}")
        if t.driver and t.driver not in driver_groups:
            p.append(f"trials.yaml: {t.id}: driver {t.driver!r} has no driver alteration")
    return p
