"""Give each match its role in this sample's context, then pick regimens and trials.

Pure, and every clinical rule comes from the knowledgebase: which alterations can be a primary
driver (``driver: true``), in which driver contexts and after which prior therapies an alteration
is on-target or bypass resistance (mechanism contexts), and which regimens answer it.

Primary driver(s): the stated driver (``--driver``) plus every plasma driver-capable alteration
that is not explained as a resistance mechanism of another driver present. If the plasma drivers
explain each other (a cycle), those the patient received a targeted drug for win; failing that,
all are primary and the report flags it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from annotator.config import FUSION_CONFIDENCE_LEVELS, CallThresholds
from annotator.kb.index import KbIndex
from annotator.kb.schema import Alteration as KbAlteration
from annotator.kb.schema import Drug, Mechanism, MechanismContext, Regimen, Role, Trial, context_applies_after
from annotator.matching import Match
from annotator.models import Fusion

RESISTANCE_ROLES = ("on_target_resistance", "bypass_resistance")


@dataclass(frozen=True)
class StatedDriver:
    text: str
    gene: str
    kb_id: str | None


@dataclass(frozen=True)
class Finding:
    match: Match
    role: Role
    statement: str
    mechanism: Mechanism | None = None
    context: MechanismContext | None = None
    against: str | None = None  # drug id the resistance is to


@dataclass
class Interpretation:
    findings: list[Finding]
    primary_groups: list[str]
    driver_source: Literal["plasma", "stated"] | None
    regimens: list[tuple[Regimen, list[Finding]]]
    trials: list[tuple[Trial, list[Finding]]]
    flags: list[str] = field(default_factory=list)
    cannot_exclude: list[KbAlteration] = field(default_factory=list)
    context_groups: list[str] = field(default_factory=list)  # primary drivers, else those implied by prior therapy


def resolve_prior_therapies(names: list[str], index: KbIndex) -> tuple[list[Drug], list[str]]:
    """Drugs for the given names in order of administration, and the names not recognised.

    Synonyms and code names resolve (AZD9291 = osimertinib); a combination written in one value
    ("osimertinib + savolitinib") gives both drugs; a drug given again moves to its latest place.
    """
    found: list[Drug] = []
    unknown: list[str] = []
    for name in names:
        parts = [p for p in re.split(r"\s*(?:\+|/|,|;|\band\b)\s*", name.strip()) if p] or [name]
        for part in parts:
            drug = index.drug(part)
            if drug is None:
                unknown.append(part)
                continue
            if drug in found:
                found.remove(drug)
            found.append(drug)
    return found, unknown


def parse_stated_driver(text: str | None, index: KbIndex) -> StatedDriver | None:
    """'EGFR L858R', 'EGFR exon 19 deletion', 'EML4::ALK', 'ALK fusion' -> a driver alteration."""
    if not text or not text.strip():
        return None
    norm = " ".join(text.replace("-", " ").split()).lower()
    drivers = [a for a in index.kb.alterations if a.driver and not a.deprecated]
    for a in drivers:
        names = {a.name.lower(), a.id.lower().replace("_", " "), *(f"{a.gene} {p}".lower() for p in a.protein)}
        if a.fusion and a.fusion.gene5 and a.fusion.gene3:
            names.add(f"{a.fusion.gene5}::{a.fusion.gene3}".lower())
        if norm in {" ".join(n.replace("-", " ").split()) for n in names}:
            return StatedDriver(text, a.gene, a.id)
    token = re.split(r"[\s:]+", text.strip())[0]
    gene = index.symbol(token)
    if gene and gene in {a.gene for a in drivers}:
        return StatedDriver(text, gene, None)
    return None


def _targets(drug: Drug, group: str) -> list[int | None]:
    return [t.generation for t in drug.tki_for if t.gene == group]


def _context_applies(ctx: MechanismContext, priors: list[Drug]) -> int | None:
    """Index in ``priors`` of the most recent drug that makes this resistance context apply, else None.

    On-target mutations are judged against the most recent drug for the driver only: EGFR T790M
    explains progression on gefitinib, not on the osimertinib given after it. Bypass mechanisms act
    at pathway level, so any earlier targeted drug for the driver named by the context counts.
    """
    for i in range(len(priors) - 1, -1, -1):
        drug = priors[i]
        if not _targets(drug, ctx.driver):
            continue
        if context_applies_after(ctx, drug):
            return i
        if ctx.role == "on_target_resistance":
            return None
    return None


def caller_verdict(match: Match, calls: CallThresholds) -> str | None:
    """Why a fusion call gets no role (the caller's confidence or predicted frame), else None.

    Below ``fusion_min_confidence``, or (with ``fusion_require_in_frame``) predicted out of frame or into a stop
    codon, a call is shown for review only, unless every knowledgebase entry it matched is ``frame_independent``
    (which exempts the frame, never the confidence). A call whose caller states neither is not judged here."""
    obs = match.observed
    if not isinstance(obs, Fusion):
        return None
    caller = obs.caller or obs.source
    reasons = []
    if obs.confidence is not None and FUSION_CONFIDENCE_LEVELS.index(obs.confidence) < FUSION_CONFIDENCE_LEVELS.index(calls.fusion_min_confidence):
        reasons.append(f"{obs.confidence} confidence ({caller}), below the required {calls.fusion_min_confidence}")
    frame_free = all(h.kb.frame_independent for h in match.hits)
    if calls.fusion_require_in_frame and obs.reading_frame in ("out-of-frame", "stop-codon") and not frame_free:
        reasons.append(f"{obs.reading_frame} ({caller})")
    return "; ".join(reasons) if reasons else None


def interpret(
    matches: list[Match],
    index: KbIndex,
    priors: list[Drug],
    stated: StatedDriver | None,
    calls: CallThresholds | None = None,
    *,
    disease: str,
) -> Interpretation:
    """``disease``: the knowledgebase's name for the tumor type, used in statements ("EGFR-driven NSCLC")."""
    kb = index.kb
    calls = calls or CallThresholds()
    mechanisms_of: dict[str, list[Mechanism]] = {}
    for m in kb.mechanisms:
        if not m.deprecated:
            for a in m.alterations:
                mechanisms_of.setdefault(a, []).append(m)

    def contexts(match: Match) -> list[tuple[Mechanism, MechanismContext]]:
        seen, out = set(), []
        for hit in match.hits:
            for mech in mechanisms_of.get(hit.kb.id, []):
                for i, ctx in enumerate(mech.contexts):
                    if (mech.id, i) not in seen:
                        seen.add((mech.id, i))
                        out.append((mech, ctx))
        return out

    # Keyed by the (frozen, hashable) observation: each observation has one match.
    verdicts = {m.observed: caller_verdict(m, calls) for m in matches}
    passing = [m for m in matches if m.observed.filter == "PASS" and verdicts[m.observed] is None]
    driver_capable = {m.observed: next((h.kb.gene for h in m.hits if h.kb.driver), None) for m in passing}
    plasma_groups = {g for g in driver_capable.values() if g}
    flags: list[str] = []
    # Without a stated driver, targeted therapy already given implies its driver (a tumor shedding
    # little DNA may show only the resistance alteration): KRAS G12D after osimertinib is read in
    # the EGFR context, and the report says so.
    implied = set() if stated else {t.gene for d in priors for t in d.tki_for} & {a.gene for a in kb.alterations if a.driver}
    present = plasma_groups | ({stated.gene} if stated else set()) | implied
    explained = {
        g: {c.driver for m in passing if driver_capable[m.observed] == g for _, c in contexts(m) if c.driver != g and c.driver in present}
        for g in plasma_groups
    }
    primary = ({stated.gene} if stated else set()) | {g for g in plasma_groups if not explained[g]}
    if plasma_groups and not (primary & plasma_groups) and not stated:
        # Every plasma driver is explained by another driver (a cycle) or by the implied one.
        treated = {g for g in plasma_groups if any(_targets(d, g) for d in priors)}
        explainers = {h for g in plasma_groups for h in explained[g]}
        if treated:
            primary |= treated
        elif not explainers <= implied:
            primary |= plasma_groups
    interpret_in = primary or implied
    if interpret_in and not primary:
        context = "/".join(sorted(interpret_in))
        flags.append(
            f"No {context} driver was detected in plasma or stated; findings are interpreted in the {context}-driven"
            f" context implied by the prior therapy. Give the driver with --driver to confirm."
        )
    if len(primary) > 1:
        flags.append(
            "More than one primary oncogenic driver: " + ", ".join(sorted(primary))
            + f". Concurrent drivers are unusual in {disease}; confirm in tissue or a repeat sample."
        )
    if stated and plasma_groups and stated.gene not in plasma_groups:
        unexplained = sorted(g for g in plasma_groups if g in primary)
        if unexplained:
            flags.append(
                f"The stated driver ({stated.text}) was not detected in plasma, which shows"
                f" {', '.join(unexplained)} instead; both are reported."
            )
    if stated and stated.gene in plasma_groups:
        source = "plasma"
    elif stated:
        source = "stated"
    else:
        source = "plasma" if primary else None

    findings = [
        _role(m, driver_capable.get(m.observed), primary, priors, contexts(m), interpret_in, disease)
        if verdicts[m.observed] is None or m.observed.filter != "PASS"
        else Finding(m, "other", f"{m.best.kb.name} ({m.observed.label}): {verdicts[m.observed]}: no resistance or driver role; shown for review only.")
        for m in matches
    ]
    regimens = _regimens(findings, index, priors, interpret_in)
    trials = _trials(findings, index, interpret_in, priors)
    relevant_ids = {
        a for m in kb.mechanisms if not m.deprecated and any(ctx.driver in interpret_in for ctx in m.contexts) for a in m.alterations
    }
    cannot = [a for a in kb.alterations if a.id in relevant_ids and a.kind == "not_in_plasma_dna" and not a.deprecated]
    return Interpretation(findings, sorted(primary), source, regimens, trials, flags, cannot, sorted(interpret_in))


def _role(match, group, primary, priors, ctxs, contexts_for, disease: str) -> Finding:
    name = match.best.kb.name
    if match.observed.filter != "PASS":
        return Finding(match, "other", f"{name} did not pass the caller's filters ({match.observed.filter}); shown for review only.")
    if group and group in primary:
        return Finding(match, "primary_driver", f"{name} is the primary oncogenic driver detected in plasma.")
    relevant = [(m, c) for m, c in ctxs if c.driver in contexts_for]
    applicable = [(i, n, m, c) for n, (m, c) in enumerate(relevant) if (i := _context_applies(c, priors)) is not None]
    if applicable:
        # The context explaining resistance to the most recent drug wins; KB order breaks ties.
        i, _, mech, ctx = max(applicable, key=lambda a: (a[0], -a[1]))
        drug = priors[i]
        kind = "an on-target" if ctx.role == "on_target_resistance" else "a bypass"
        text = f"{name} is {kind} resistance mechanism to {drug_label(drug)} in {ctx.driver}-driven {disease}."
        return Finding(match, ctx.role, text, mech, ctx, drug.id)
    for mech, ctx in relevant:
        if not any(_targets(d, ctx.driver) for d in priors):
            text = (
                f"{name} is a known resistance mechanism in {ctx.driver}-driven {disease}; no {ctx.driver}-targeted"
                f" therapy is among the recognised prior therapies, so it is a co-alteration that may confer primary resistance."
            )
            return Finding(match, "co_alteration", text, mech, ctx)
    if relevant:
        mech, ctx = relevant[0]
        latest = next(d for d in reversed(priors) if _targets(d, ctx.driver))
        kind = "on-target" if ctx.role == "on_target_resistance" else "bypass"
        return Finding(
            match, "other",
            f"{name} is a known {kind} resistance mechanism in {ctx.driver}-driven {disease}, but not to {drug_label(latest)},"
            f" the most recent {ctx.driver}-targeted therapy; it does not explain progression on it.",
            mech, ctx,
        )
    return Finding(match, "other", f"{name} is in the knowledgebase but has no resistance meaning in this context.")


def _regimens(findings, index: KbIndex, priors, primary) -> list[tuple[Regimen, list[Finding]]]:
    """Regimens answering the findings, in this patient's context. Left out: anything made only of
    drugs already given; a bypass-targeting drug the tumor already progressed on; a driver drug of an
    earlier generation than the one just failed (gefitinib combinations after osimertinib); first-line
    drugs an on-target alteration makes useless (1st/2nd-generation EGFR TKIs with T790M)."""
    drugs = {d.id: d for d in index.kb.drugs}
    prior_ids = {d.id for d in priors}
    failed_bypass = {d.id for d in priors if not any(_targets(d, g) for g in primary)}
    on_target = [f.context for f in findings if f.context is not None and f.context.role == "on_target_resistance"]
    out: dict[str, tuple[Regimen, list[Finding]]] = {}
    for f in findings:
        if f.role == "other":
            continue
        group = f.match.best.kb.gene
        for r in index.kb.regimens:
            if r.deprecated or not (set(r.answers) & f.match.kb_ids):
                continue
            latest = next((d for d in reversed(priors) if r.driver and _targets(d, r.driver)), None)
            if not r.after.is_empty():
                # Sequenced options (crizotinib after alectinib) need the right most recent drug.
                if latest is None or not _matches_condition(r.after, latest, r.driver):
                    continue
            if f.role == "primary_driver":
                # First-line options only while no targeted drug for this driver has been given.
                if r.driver != group or (latest is not None and r.after.is_empty()):
                    continue
                if any(ctx.driver == group and context_applies_after(ctx, drugs[d]) for ctx in on_target for d in r.drugs):
                    continue
            elif r.driver is not None and r.driver not in primary:
                continue
            if r.drugs and set(r.drugs) <= prior_ids:
                continue  # never offer only what the patient has progressed on
            if set(r.drugs) & failed_bypass:
                continue  # the bypass inhibitor has already failed
            if latest is not None and r.after.is_empty() and _earlier_generation(r, drugs, latest, f.match.observed.gene):
                continue
            out.setdefault(r.id, (r, []))[1].append(f)
    current = _current_targeted(priors, primary)
    ranked = sorted(out.values(), key=lambda rf: _regimen_rank(rf[0], current, drugs))
    unique: dict[tuple, tuple[Regimen, list[Finding]]] = {}
    for r, fs in ranked:  # the same drugs under two entries (osimertinib first-line and for T790M): keep the better
        key = (tuple(r.drugs), tuple(r.drug_classes), r.driver)
        if key in unique:
            unique[key][1].extend(f for f in fs if f not in unique[key][1])
        else:
            unique[key] = (r, list(fs))
    return list(unique.values())


def _earlier_generation(r: Regimen, drugs: dict, latest: Drug, bypass_gene: str) -> bool:
    """Whether the regimen's drug for the driver is of an earlier TKI generation than the one just given
    (a drug that also hits the bypass gene, like crizotinib for MET, is there for the bypass)."""
    latest_gen = max((g for g in _targets(latest, r.driver) if g), default=None)
    if latest_gen is None:
        return False
    for d in r.drugs:
        if bypass_gene in drugs[d].targets:
            continue
        gens = [g for g in _targets(drugs[d], r.driver) if g]
        if gens and max(gens) < latest_gen:
            return True
    return False


_TYPE_RANK = {"approved": 0, "phase3": 1, "phase2": 2, "phase1b": 3, "phase1": 4, "case_report": 5, "ongoing_trial": 6, "preclinical": 7}


def _matches_condition(condition, drug: Drug, driver: str) -> bool:
    return drug.id in condition.drugs or any(g in condition.generations for g in _targets(drug, driver))


def _current_targeted(priors: list[Drug], primary: set[str]) -> str | None:
    """The most recent prior drug targeting a primary driver: the one to keep in a combination."""
    for drug in reversed(priors):
        if any(_targets(drug, g) for g in primary):
            return drug.id
    return None


def _regimen_rank(r: Regimen, current: str | None, drugs: dict) -> tuple:
    """Positive before negative; regimens that keep the current driver drug first; then evidence;
    then the newer TKI generation (osimertinib before gefitinib among equally approved options)."""
    best = min(r.evidence, key=lambda e: (e.negative, e.level, _TYPE_RANK[e.type]))
    keeps_current = current is not None and current in r.drugs
    generation = max((g or 0 for d in r.drugs for t in drugs[d].tki_for if t.gene == r.driver for g in [t.generation]), default=0)
    return (all(e.negative for e in r.evidence), not keeps_current, best.level, _TYPE_RANK[best.type], -generation, r.id)


def drug_label(drug: Drug) -> str:
    """INN in running text: lower case unless the name is a code or brand-like mixed case."""
    name = drug.name
    return name[0].lower() + name[1:] if name[:1].isupper() and name[1:].islower() else name


def _trials(findings, index: KbIndex, primary, priors) -> list[tuple[Trial, list[Finding]]]:
    """Trials enrolling a finding's biomarker, then trials that enrol by setting alone (no biomarker:
    e.g. 'EGFR TKI-resistant NSCLC'), which match a driver that has had its targeted drug."""
    def prior_ok(t: Trial) -> bool:
        if t.after.is_empty():
            return True
        return any(_targets(d, t.driver) and _matches_condition(t.after, d, t.driver) for d in priors) if t.driver else False

    out: dict[str, tuple[Trial, list[Finding]]] = {}
    for f in findings:
        if f.role == "other":
            continue
        for t in index.kb.trials:
            if t.deprecated or t.before_progression or not (set(t.biomarkers) & f.match.kb_ids):
                continue
            if t.driver is not None and t.driver not in primary:
                continue
            if f.role != "primary_driver" and not prior_ok(t):
                continue
            out.setdefault(t.id, (t, []))[1].append(f)
    for t in index.kb.trials:
        if t.deprecated or t.before_progression or t.biomarkers or t.design != "interventional" or t.driver not in primary:
            continue
        if not t.after.is_empty() and prior_ok(t):  # enrols by setting: the required prior therapy was given
            out.setdefault(t.id, (t, []))
    return sorted(out.values(), key=lambda tf: (not tf[1], tf[0].nct_id is None, tf[0].nct_id or tf[0].id))
