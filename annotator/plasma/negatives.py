"""What a negative means: each knowledgebase mechanism that was not found, "not detected" or "cannot be excluded".

A plasma test that finds no resistance mechanism has looked only where the assay sequenced, only as deep as it
sequenced, and only as well as the tumor fraction lets a tumor change show. For every knowledgebase alteration named
by a mechanism whose context applies to this sample (the driver context and the prior targeted therapy, as
:func:`annotator.interpret.prior.context_applies` reads them) and that was not found, :func:`assess_negatives` says:

* ``not_detected``: the locus was sequenced and the expected signal of a clonal change at this tumor fraction is
  above the detection limit (small variants and fusions: the probability of at least ``detection_min_alt_reads``
  alt reads at the locus depth is at least ``min_sensitivity``; amplifications: the expected plasma gain reaches
  ``min_observed_gain``);
* ``cannot_be_excluded``: the locus was not sequenced or its sequencing is unknown, the knowledgebase does not place
  the locus (fusion breakpoints, point changes without a codon entry), the input that shows this kind was not given, a
  call that did not pass the caller's filters is at it, the tumor fraction is unknown or a low-confidence estimate, or
  the expected signal is below the limit;
* ``not_assessable``: plasma DNA cannot show it at all (protein or RNA expression, histology).

Rules (each number is in the result and in the report):

* Small variants (protein changes, codons, exon deletions/insertions, exon 14 skipping): a clonal heterozygous change
  is expected at VAF ``tf / 2``; the limit is ``detection_min_alt_reads / depth``; the sensitivity is the exact
  binomial ``P(X >= detection_min_alt_reads)``, ``X ~ Binomial(depth, tf / 2)``. The locus is the codon (from the
  gene's codon table) or the exon on this build; a change whose codon the table lacks (KRAS Y96, NRAS A155T) has no
  precise locus, and a gene window proves nothing about one codon: it cannot be excluded.
* Fusions and intragenic rearrangements: need a fusion input, and even with one they cannot be excluded: their
  breakpoints are mostly intronic and the knowledgebase does not place them, and plasma fusion sensitivity is lower
  than that of point changes.
* Filtered calls: an alteration matched only by calls that did not pass the caller's filters (``filtered``) is at
  least possibly present: it cannot be excluded.
* A low-confidence tumor fraction (``SampleData.fraction_confident`` false) never supports "not detected" alone.
* Amplifications: need a copy-number input holding the gene; the expected plasma gain is
  ``tf x (min_copy_number - 2)`` (the entry's ``min_copy_number``, else the copy-number threshold), against
  ``min_observed_gain``, as :mod:`annotator.copynumber` judges a gene's ``cannot_exclude`` status. An equivocal gene
  is not ruled out.
* Sequenced or not: with ``--panel-bed``, the locus is sequenced when the targets contain every base of it (a target
  touching only part of a codon does not cover it); without a panel but with ``--coverage``, when the coverage file
  has depth over every base of it; with neither, it is unknown. Absence of a record in the
  VCF never shows that a locus was read, so **without a panel or coverage nothing is called "not detected"**: the
  numbers at the assumed depth are shown, and the alteration "cannot be excluded" because the assay's targets were
  not given.
* Depth: the lowest depth of any base of the locus from ``--coverage`` (a base without depth counts as 0); without
  it ``assumed_depth``, marked ``depth_assumed``. When the depth, not the tumor fraction, is what keeps the signal
  below the limit (the assay's configured depth would reach it), the reason says "depth too low for this tumor
  fraction"; sentences state the smallest tumor fraction (or cell fraction) the depth can show.

Coordinates are 0-based half-open, as :class:`annotator.kb.index.KbIndex` converts them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

from annotator.config import CnvThresholds
from annotator.config_assay import AssayThresholds
from annotator.interpret import Interpretation
from annotator.interpret.prior import context_applies
from annotator.kb.index import KbIndex
from annotator.kb.schema import Alteration as KbAlteration
from annotator.kb.schema import Drug
from annotator.models import CoverageTable, GeneCopyNumber, PanelTargets

NegativeStatus = Literal["not_detected", "cannot_be_excluded", "not_assessable"]
_SMALL_KINDS = ("protein_change", "codon", "exon_inframe_deletion", "exon_insertion", "exon_skipping")
_REARRANGEMENT_KINDS = ("fusion", "kinase_domain_duplication")
_SLACK = 1e-9  # a value equal to its threshold up to float error reaches it


class SampleContext(NamedTuple):
    """The context the mechanisms are read in: the driver groups (``Interpretation.context_groups``) and the prior
    therapies in order of administration."""

    driver_groups: Sequence[str]
    priors: Sequence[Drug]


@dataclass(frozen=True)
class SampleData:
    """What this sample's data can show: the tumor fraction, the assay, and which inputs were given."""

    tumor_fraction: float | None
    thresholds: AssayThresholds
    panel: PanelTargets | None = None
    coverage: CoverageTable | None = None
    cnv: CnvThresholds = field(default_factory=CnvThresholds)
    copy_numbers: Sequence[GeneCopyNumber] | None = None  # None: no copy-number input was given
    fusions_assessed: bool = False  # a fusion (or structural-variant) input was given
    fraction_confident: bool = True  # False: the tumor fraction is a low-confidence estimate


@dataclass(frozen=True)
class DetectionNumbers:
    """The numbers behind a status (None: not used for this kind)."""

    tumor_fraction: float | None
    covered: bool | None = None  # the locus was sequenced (None: unknown, no panel or coverage given)
    expected_vaf: float | None = None  # of a clonal heterozygous change (fusions: fraction of breakpoint reads)
    limit_vaf: float | None = None  # detection_min_alt_reads / depth
    depth: float | None = None
    depth_assumed: bool = False  # the configured assumed depth, not a measured one
    min_alt_reads: int | None = None
    sensitivity: float | None = None  # P(at least min_alt_reads alt reads | depth, expected VAF)
    min_sensitivity: float | None = None
    expected_gain: float | None = None  # plasma copies above 2 of an amplification at min_copy_number
    min_observed_gain: float | None = None
    min_copy_number: float | None = None


@dataclass(frozen=True)
class Negative:
    """One knowledgebase alteration that was not found, and what its absence means here."""

    alteration_id: str
    name: str
    gene: str | None
    kind: str
    status: NegativeStatus
    reason: str  # a clinician's sentence with the numbers
    short: str  # why, in a few words, for page 1 ("tumor fraction too low for the assay's limit")
    numbers: DetectionNumbers


def found_alteration_ids(interp: Interpretation) -> frozenset[str]:
    """Every knowledgebase alteration a PASS observation matched (filtered ones: :func:`filtered_alteration_ids`)."""
    return frozenset(kb_id for f in interp.findings if f.match.observed.filter == "PASS" for kb_id in f.match.kb_ids)


def filtered_alteration_ids(interp: Interpretation) -> frozenset[str]:
    """The knowledgebase alterations matched only by observations that did not pass the caller's filters: a record is
    at the locus, so their absence is no "not detected"; :func:`assess_negatives` says they cannot be excluded."""
    matched = frozenset(kb_id for f in interp.findings for kb_id in f.match.kb_ids)
    return matched - found_alteration_ids(interp)


def relevant_alterations(index: KbIndex, context: SampleContext) -> list[KbAlteration]:
    """The alterations of the mechanisms whose contexts apply to this driver after these prior therapies, in
    knowledgebase order (none without a targeted prior therapy: a negative speaks to resistance)."""
    priors = list(context.priors)
    ids = {
        a for m in index.kb.mechanisms if not m.deprecated
        for ctx in m.contexts if ctx.driver in context.driver_groups and context_applies(ctx, priors) is not None
        for a in m.alterations
    }
    return [a for a in index.kb.alterations if a.id in ids and not a.deprecated]


def assess_negatives(index: KbIndex, context: SampleContext, found: AbstractSet[str], data: SampleData,
                     filtered: AbstractSet[str] = frozenset()) -> list[Negative]:
    """Each relevant knowledgebase alteration not in ``found`` (PASS matches): not detected, cannot be excluded or not
    assessable; those in ``filtered`` (matched only by calls that did not pass the filters) cannot be excluded."""
    return [assess(a, index, data, a.id in filtered) for a in relevant_alterations(index, context) if a.id not in found]


def assess(a: KbAlteration, index: KbIndex, data: SampleData, filtered: bool = False) -> Negative:
    """What the absence of ``a`` means in this sample's data (``filtered``: a non-PASS call matched it)."""
    if a.kind == "not_in_plasma_dna":
        return _negative(a, "not_assessable", f"Plasma DNA cannot show {a.name}: {a.detection}",
                         "plasma DNA cannot show it", DetectionNumbers(data.tumor_fraction))
    if filtered:
        return _negative(a, "cannot_be_excluded", f"{a.name} cannot be excluded: a call that did not pass the caller's"
                         " filters is at this locus.", "a filtered call is at the locus", DetectionNumbers(data.tumor_fraction))
    if a.kind in ("amplification", "copy_loss"):
        return _copy_number(a, data)
    if a.kind in _REARRANGEMENT_KINDS and not data.fusions_assessed:
        return _negative(a, "cannot_be_excluded", f"{a.name} cannot be excluded: no fusion input was given.",
                         "no fusion input", DetectionNumbers(data.tumor_fraction))
    return _reads(a, index, data)


def cannot_exclude_lines(negatives: Sequence[Negative]) -> list[str]:
    """Page 1's "a negative plasma result cannot exclude" list: what plasma DNA cannot show, one per line (by name),
    then what this sample cannot exclude, one line per reason ("MET amplification, ERBB2 amplification (copy number
    not assessed)")."""
    lines = [n.name for n in negatives if n.status == "not_assessable"]
    by_reason: dict[str, list[str]] = {}
    for n in negatives:
        if n.status == "cannot_be_excluded":
            by_reason.setdefault(n.short, []).append(n.name)
    return lines + [f"{', '.join(names)} ({why})" for why, names in by_reason.items()]


def at_least(n: int, p: float, r: int) -> float:
    """P(X >= r) for X ~ Binomial(n, p), exact: 1 - the sum of the r lowest terms, each in log space."""
    if r <= 0:
        return 1.0
    if n < r or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    below = sum(math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q)
                for k in range(r))
    return min(1.0, max(0.0, 1.0 - below))


# --- small variants and rearrangements: reads at the locus ---------------------------------------------------------

class _Locus(NamedTuple):
    chrom: str
    start: int
    end: int
    what: str  # "codon 790", "exon 19", "the EGFR gene"
    precise: bool = True  # a codon or an exon; False: the gene's window, which says nothing about one codon


def locus(a: KbAlteration, index: KbIndex) -> _Locus | None:
    """Where ``a`` would be read on this build (0-based half-open): its codon(s), its exon, else its gene's window
    (not precise)."""
    gene = index.genes.get(a.gene or "")
    if gene is None:
        return None
    numbers = [a.codon] if a.codon else [int("".join(ch for ch in p if ch.isdigit()) or 0) for p in a.protein]
    firsts = [getattr(c, index.build) for c in gene.codons if c.number in numbers]
    region = getattr(gene.location, index.build)
    if a.kind in ("protein_change", "codon") and firsts:
        return _Locus(region.chrom, min(firsts) - 1, max(firsts) + 2, f"codon {', '.join(map(str, sorted(set(numbers))))}")
    exon = index.exon_region(gene.symbol, a.exon) if a.exon else None
    if exon is not None:
        return _Locus(exon[0], exon[1], exon[2], f"exon {a.exon}")
    return _Locus(region.chrom, region.start - 1, region.end, f"the {gene.symbol} gene", precise=False)


def _reads(a: KbAlteration, index: KbIndex, data: SampleData) -> Negative:
    """A small variant: expected clonal VAF against the depth-based limit at its codon or exon."""
    t, tf = data.thresholds, data.tumor_fraction
    where = locus(a, index)
    if a.kind in _REARRANGEMENT_KINDS:
        return _negative(a, "cannot_be_excluded", f"{a.name} cannot be excluded: fusion breakpoints are mostly intronic and"
                         " the knowledgebase does not place them, so whether the assay's targets span them is unknown;"
                         " plasma is also less sensitive to fusions than to point changes.",
                         "fusion breakpoints are intronic and not placed", DetectionNumbers(tf))
    if where is None or not where.precise:
        return _negative(a, "cannot_be_excluded", f"{a.name} cannot be excluded: the knowledgebase does not place the"
                         " codon or exon the assay must cover, so whether it was sequenced is unknown.",
                         "locus not placed in the knowledgebase", DetectionNumbers(tf))
    covered, depth, assumed = _sequenced(where, data)
    expected = tf / 2 if tf is not None else None
    n = DetectionNumbers(
        tumor_fraction=tf, covered=covered, expected_vaf=expected, depth=depth, depth_assumed=assumed,
        limit_vaf=t.detection_min_alt_reads / depth if depth else None, min_alt_reads=t.detection_min_alt_reads,
        sensitivity=at_least(int(depth), expected, t.detection_min_alt_reads) if depth is not None and expected is not None else None,
        min_sensitivity=t.min_sensitivity,
    )
    verdict = _reads_verdict(a, n, where.what, data)
    return _negative(a, verdict.status, verdict.reason, verdict.short, n)


def _sequenced(where: _Locus, data: SampleData) -> tuple[bool | None, float | None, bool]:
    """(sequenced, depth, depth assumed) at the locus: the panel says whether (every base in a target), the coverage
    file how deep (the lowest depth of any base)."""
    measured = data.coverage.min_depth_over(where.chrom, where.start, where.end) if data.coverage is not None else None
    if data.panel is not None:
        covered: bool | None = data.panel.covers(where.chrom, where.start, where.end)
    elif data.coverage is not None:
        covered = bool(measured)
    else:
        covered = None
    if data.coverage is None:
        return covered, float(data.thresholds.assumed_depth), True
    return covered, measured, False


class _Verdict(NamedTuple):
    status: NegativeStatus
    reason: str
    short: str


def _reads_verdict(a: KbAlteration, n: DetectionNumbers, where: str, data: SampleData) -> _Verdict:
    """The status and the sentence, the most decisive reason first."""
    if n.tumor_fraction is None:
        return _Verdict("cannot_be_excluded", f"{a.name} cannot be excluded: the tumor fraction is unknown, so the VAF a"
                        " clonal change would have cannot be computed.", "tumor fraction unknown")
    if n.covered is False:
        return _Verdict("cannot_be_excluded", f"{a.name} cannot be excluded: {where} is not among the assay's targets, or only"
                        f" in part ({'panel BED' if data.panel is not None else 'no depth in the coverage file'}).",
                        "not in the assay's targets")
    if not n.depth:
        return _Verdict("cannot_be_excluded", f"{a.name} cannot be excluded: the coverage file gives no depth over"
                        f" {where}, or over part of it.", "no depth over the locus")
    return _signal_verdict(a, n, n.depth, where, data)


def _signal_verdict(a: KbAlteration, n: DetectionNumbers, depth: float, where: str, data: SampleData) -> _Verdict:
    """A sequenced locus at a known tumor fraction: is the expected signal above the limit, and is that enough?"""
    signal, t = _signal(a, n), data.thresholds
    tf_needed = 2 * smallest_vaf(depth, t.detection_min_alt_reads, t.min_sensitivity)
    if (n.sensitivity or 0.0) + _SLACK < t.min_sensitivity:
        if not n.depth_assumed and depth < t.assumed_depth and at_least(t.assumed_depth, n.expected_vaf or 0.0,
                                                                       t.detection_min_alt_reads) + _SLACK >= t.min_sensitivity:
            return _Verdict("cannot_be_excluded", f"{signal}: it cannot be excluded. The depth, not the tumor fraction,"
                            f" limits: at the assay's {t.assumed_depth}x it would be seen.", "depth too low for this tumor fraction")
        return _Verdict("cannot_be_excluded", f"{signal}: it cannot be excluded. At this depth a clonal change is seen from"
                        f" a tumor fraction of ~{pct(tf_needed)}.", "tumor fraction too low for the assay's limit")
    if n.covered is None:
        return _Verdict("cannot_be_excluded", f"{signal}. Whether {where} was sequenced is unknown: the assay's targets were"
                        " not given (--panel-bed or --coverage), so it cannot be excluded.", "the assay's targets were not given")
    if not data.fraction_confident:
        return _Verdict("cannot_be_excluded", f"{signal}, but the tumor fraction is a low-confidence estimate, so it cannot"
                        " be excluded.", "the tumor fraction is a low-confidence estimate")
    cells = tf_needed / (n.tumor_fraction or 1.0)
    return _Verdict("not_detected", f"Not detected: {signal[0].lower()}{signal[1:]}; a subclone in at least ~{pct(cells)}"
                    " of tumor cells would be seen at this depth.", "")


@lru_cache(maxsize=1024)  # 40 binomial tails per call, and every locus at one depth asks the same question
def smallest_vaf(depth: float, min_alt_reads: int, min_sensitivity: float) -> float:
    """The smallest VAF seen with at least ``min_sensitivity`` at ``depth`` (1.0 when none is), by bisection."""
    low, high = 0.0, 1.0
    if at_least(int(depth), high, min_alt_reads) < min_sensitivity:
        return 1.0
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (low, mid) if at_least(int(depth), mid, min_alt_reads) >= min_sensitivity else (mid, high)
    return high


def _signal(a: KbAlteration, n: DetectionNumbers) -> str:
    """'At a tumor fraction of 0.5% a clonal EGFR T790M would be at ~0.25% VAF, below this assay's ~0.5% limit at
    1000x; sensitivity 10.9%, 95% required'."""
    expected, limit = n.expected_vaf or 0.0, n.limit_vaf or 0.0
    depth = f"{n.depth:.0f}x" + (" (assumed depth, no coverage file)" if n.depth_assumed else "")
    side = "below" if expected < limit else "above"
    return (f"At a tumor fraction of {pct(n.tumor_fraction)} a clonal {a.name} would be at ~{pct(expected)} VAF,"
            f" {side} this assay's ~{pct(limit)} limit at {depth}; sensitivity {pct(n.sensitivity or 0.0, sensitivity=True)},"
            f" {pct(n.min_sensitivity or 0.0)} required")


# --- copy number --------------------------------------------------------------------------------------------------

def _copy_number(a: KbAlteration, data: SampleData) -> Negative:
    """An amplification (or loss): the expected plasma change at this tumor fraction against the smallest one seen."""
    cnv, tf = data.cnv, data.tumor_fraction
    amp = a.kind == "amplification"
    level = a.min_copy_number if a.min_copy_number is not None else (cnv.amplification_min_copy_number if amp else cnv.loss_max_copy_number)
    change = tf * abs(level - 2) if tf is not None else None
    n = DetectionNumbers(tumor_fraction=tf, expected_gain=change, min_observed_gain=cnv.min_observed_gain, min_copy_number=level)
    gene = next((c for c in data.copy_numbers or () if c.gene == a.gene), None)
    if data.copy_numbers is None:
        return _negative(a, "cannot_be_excluded", f"{a.name} cannot be excluded: copy number was not assessed (no copy-number input).",
                         "copy number not assessed", n)
    if gene is None or (gene.copy_number is None and gene.status in (None, "not_assessed")):
        return _negative(a, "cannot_be_excluded", f"{a.name} cannot be excluded: the copy-number input has no value for {a.gene}.",
                         f"no {a.gene} copy number in the input", n)
    if change is None:
        return _negative(a, "cannot_be_excluded", f"{a.name} cannot be excluded: the tumor fraction is unknown, so the plasma"
                         " copy-number change it would cause cannot be computed.", "tumor fraction unknown", n)
    if gene.status == "equivocal":
        return _negative(a, "cannot_be_excluded", f"{a.name} cannot be excluded: {a.gene} copy number is equivocal ({gene.note}).",
                         "copy number equivocal", n)
    signal = (f"at a tumor fraction of {pct(tf)} {'an amplification to' if amp else 'a loss to'} {level:g} tumor copies"
              f" would {'add' if amp else 'remove'} ~{change:.2g} copies in plasma")
    if change + _SLACK < cnv.min_observed_gain:
        return _negative(a, "cannot_be_excluded", f"{signal[0].upper()}{signal[1:]}, below the {cnv.min_observed_gain:g} copies"
                         " that can be seen: it cannot be excluded.", "tumor fraction too low to see it", n)
    if not data.fraction_confident:
        return _negative(a, "cannot_be_excluded", f"{signal[0].upper()}{signal[1:]}, at least the {cnv.min_observed_gain:g}"
                         " copies that can be seen, but the tumor fraction is a low-confidence estimate, so it cannot be"
                         " excluded.", "the tumor fraction is a low-confidence estimate", n)
    return _negative(a, "not_detected", f"Not detected: {signal}, at least the {cnv.min_observed_gain:g} copies that can be seen.", "", n)


# --- words ---------------------------------------------------------------------------------------------------------

def pct(value: float | None, sensitivity: bool = False) -> str:
    """A fraction as a percentage with the digits it needs: 0.0025 -> '0.25%', 0.08 -> '8%', 0.005 -> '0.5%', a sensitivity of 0.9996 -> '>99.9%'."""
    if value is None:
        return "unknown"
    if sensitivity and value >= 0.999:
        return ">99.9%"
    if sensitivity and 0 < value < 0.001:
        return "<0.1%"
    text = f"{value:.{2 if 0 < value < 0.01 else 1}%}"
    return re.sub(r"\.?0+%$", "%", text) if "." in text else text


def _negative(a: KbAlteration, status: NegativeStatus, reason: str, short: str, n: DetectionNumbers) -> Negative:
    return Negative(alteration_id=a.id, name=a.name, gene=a.gene, kind=a.kind, status=status, reason=reason, short=short, numbers=n)
