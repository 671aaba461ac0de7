"""The report's plasma section and what page 1 says of it: a sample that cannot answer the resistance question,
variants read as blood or germline, and a small-cell transformation signal."""

from __future__ import annotations

from annotator.kb.index import KbIndex
from annotator.plasma import PlasmaReading
from annotator.report.citations import links
from annotator.report.model import PlasmaOut, RecommendationOut, TransformationOut, VariantOriginOut

# Origins shown first: what was left out, then what may not be tumor, then the rest.
_VERDICT_ORDER = {"ch": 0, "possible_germline": 1, "possible_ch": 2, "tumor": 3}


def plasma_out(reading: PlasmaReading, index: KbIndex) -> PlasmaOut:
    origins = sorted(reading.origins, key=lambda o: (_VERDICT_ORDER[o.verdict], o.gene, o.label))
    t = reading.transformation
    return PlasmaOut(
        informative=reading.informative, informative_reason=reading.informative_reason,
        tumor_fraction=reading.tumor_fraction, tumor_fraction_basis=reading.tumor_fraction_basis, wbc_given=reading.wbc_given,
        origins=[VariantOriginOut(
            label=o.label, gene=o.gene, verdict=o.verdict, excluded=o.excluded, reason=o.reason, vaf=o.vaf, depth=o.depth,
            wbc_vaf=o.wbc_vaf, tumor_fraction=o.tumor_fraction, numbers=dict(o.numbers), recommendation=o.recommendation,
            references=links(o.sources, index),
        ) for o in origins],
        excluded=[o.label for o in origins if o.excluded],
        transformation=None if t is None else TransformationOut(
            tp53=t.tp53, rb1=list(t.rb1), reason=t.reason, recommendation=t.recommendation.text,
            references=links(t.recommendation.sources, index)),
        recommendations=[RecommendationOut(topic=r.topic, text=r.text, references=links(r.sources, index))
                         for r in reading.recommendations],
    )


def not_informative_headline(reading: PlasmaReading | None, framing: str, resistance_found: bool, plasma_driver: bool) -> str | None:
    """Page 1's first line for a sample that cannot answer the question, or None. A positive result stays the
    headline (it is informative); a negative one is never worded as 'no resistance mechanism detected'."""
    if reading is None or reading.informative == "informative" or resistance_found:
        return None
    if framing == "diagnostic" and plasma_driver:
        return None
    question = "for resistance" if framing == "resistance" else "for the driver or co-alterations"
    why = reading.informative_why or ("stated driver not detected" if reading.informative == "not_informative"
                                      else "low tumor DNA shedding")
    return (f"This plasma sample is not informative {question} ({why}): {reading.informative_reason}"
            " Recommend a tissue re-biopsy.")


def plasma_flags(reading: PlasmaReading | None, headline_said: bool, mechanisms: frozenset[str] = frozenset()) -> list[str]:
    """What page 1 must show of the plasma reading (the headline may already have said it is not informative).
    ``mechanisms``: the labels of the resistance findings page 1 headlines (one also in the blood is said)."""
    if reading is None:
        return []
    flags = []
    if reading.informative != "informative" and not headline_said:
        flags.append(f"{reading.informative_reason} A tissue re-biopsy can look for what plasma may miss.")
    if reading.transformation is not None:
        t = reading.transformation
        flags.append(f"Possible small-cell transformation signal. {t.reason} {t.recommendation.text}")
    flags += list(reading.notes)
    germline = [o for o in reading.origins if o.verdict == "possible_germline" and not o.known_benign]
    flags += [f"Possibly germline, not reported as acquired: {o.label}. {o.reason} {o.recommendation or ''}".rstrip()
              for o in germline]
    ch = [o for o in reading.origins if o.verdict == "ch"]
    if ch:
        flags.append(f"Read as clonal hematopoiesis (blood, not tumor) and left out of findings and therapies:"
                     f" {', '.join(o.label for o in ch)}; see the plasma section for the reasons.")
    flags += [o.recommendation for o in ch if o.recommendation]
    flags += [f"{o.label}, headlined as a resistance mechanism, is also called in the matched white blood cells"
              f" (plasma VAF {_pct(o.vaf)}, white-blood-cell VAF {_pct(o.wbc_vaf)}): part of its signal may be clonal"
              " hematopoiesis; see the plasma section." for o in reading.origins
              if o.verdict == "possible_ch" and o.wbc_vaf is not None and o.label in mechanisms]
    return flags


def _pct(v: float | None) -> str:
    return "unknown" if v is None else f"{v:.1%}"
