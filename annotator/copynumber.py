"""Plasma-aware copy-number interpretation: tumor fraction, tumor-adjusted copy number, calls.

In plasma only a fraction ``f`` of cell-free DNA comes from the tumor, so a tumor copy number C
shows as ``2 (1 - f) + f C``. From an observed copy number (or fold change Y = observed / 2)
the tumor copy number is ``C = (Y (2 (1 - f) + f P) - 2 (1 - f)) / f`` for tumor ploidy P, which is
``2 + (observed - 2) / f`` when P = 2. At low f this magnifies noise (2.1 observed at f = 1% gives
12 copies), so an amplification call also needs a minimum observed gain, and the adjusted value is
given with an interval from the observed value's uncertainty. All thresholds come from
:class:`annotator.config.CnvThresholds` and are echoed in the report.

Every threshold is compared with :data:`CN_TOLERANCE`: a value equal to a threshold up to floating-point
error reaches it (2.30 observed is a gain of 0.3 although ``2.30 - 2`` is 0.2999999999999998). A focal
plasma gain of at least ``min_observed_gain`` is judged on its uncertainty interval (observed +/-
``observed_uncertainty``, and its tumor-adjusted image when the tumor fraction is known): an
``amplification`` when the whole observed interval is at or above the amplification threshold, a
``likely_amplification`` when, short of that, the whole tumor-adjusted interval is, ``equivocal`` when an
interval spans the threshold (reported with a recommendation to confirm, never an amplification for the
knowledgebase) and a ``gain`` when both lie below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from annotator.config import DEFAULT_PLOIDY, PLOIDY_RANGE, CnvThresholds
from annotator.errors import InputError
from annotator.models import CopyNumberCall, GeneCopyNumber, Observation, SmallVariant

AMPLIFIED = ("amplification", "likely_amplification")  # the statuses that become CopyNumberCalls; never "equivocal"

# Tolerance of every threshold comparison, relative to the copy-number scale: ``max(1, |threshold|)`` copies
# times this. Far above floating-point error (about 1e-15 relative, 1e-12 after the tumor-fraction
# adjustment divides by a fraction as low as 0.001) and far below any difference a copy-number tool reports
# (values come with two or three decimals), so it only decides values that equal a threshold in decimal.
CN_TOLERANCE = 1e-9


def _slack(threshold: float) -> float:
    return CN_TOLERANCE * max(1.0, abs(threshold))


def _at_least(value: float, threshold: float) -> bool:
    """``value >= threshold``, counting a value equal to the threshold up to float error as reaching it."""
    return value >= threshold - _slack(threshold)


def _at_most(value: float, threshold: float) -> bool:
    """``value <= threshold`` with the same tolerance."""
    return value <= threshold + _slack(threshold)


@dataclass(frozen=True)
class TumorFraction:
    value: float | None
    source: str  # "--tumor-fraction", "ichorCNA <file>", "estimated from somatic VAFs", "unknown"
    estimated: bool = False
    ploidy: float | None = None


def parse_tumor_fraction(value: float | str | None, where: str = "--tumor-fraction") -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where} {value!r} is not a number") from None
    if not 0 <= number <= 1:
        raise InputError(f"{where} {number} is outside [0, 1] (give a fraction: 0.05 for 5%)")
    return number


def _interpreted(cn: GeneCopyNumber, update: dict[str, object]) -> GeneCopyNumber:
    """``cn`` with its interpretation filled in, validated (an unknown status fails here, not in a consumer)."""
    return GeneCopyNumber.model_validate({**cn.model_dump(), **update})


def read_ichorcna_params(path: str | Path) -> TumorFraction:
    """``Tumor Fraction:`` and ``Ploidy:`` lines of an ichorCNA ``params.txt``."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path)
    fraction = ploidy = None
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        m = re.match(r"^\s*(Tumor Fraction|Ploidy)\s*:\s*(\S+)", line, re.I)
        if not m:
            continue
        try:
            number = float(m.group(2))
        except ValueError:
            raise InputError(f"{m.group(1)} {m.group(2)!r} is not a number", path, n) from None
        if m.group(1).lower().startswith("tumor"):
            if not 0 <= number <= 1:
                raise InputError(f"Tumor Fraction {number} is outside [0, 1]", path, n)
            fraction = number if fraction is None else fraction
        else:
            if not PLOIDY_RANGE[0] <= number <= PLOIDY_RANGE[1]:
                raise InputError(f"Ploidy {number} is outside {PLOIDY_RANGE[0]:g}-{PLOIDY_RANGE[1]:g}", path, n)
            ploidy = number if ploidy is None else ploidy
    if fraction is None:
        raise InputError("no 'Tumor Fraction:' line (is this an ichorCNA params.txt?)", path)
    return TumorFraction(fraction, f"ichorCNA {path.name}", False, ploidy)


def estimate_from_vafs(alterations: list[Observation], max_vaf: float) -> TumorFraction:
    """Twice the highest somatic VAF below ``max_vaf`` (heterozygous, clonal, diploid), capped at 1.

    Values near 0.5 and above are left out: in plasma they are more often germline. A lower
    bound at best (subclonal drivers, loss of heterozygosity), and marked as an estimate.
    """
    vafs = [
        a.vaf for a in alterations
        if isinstance(a, SmallVariant) and a.vaf is not None and a.filter == "PASS" and 0 < a.vaf < max_vaf
        and not (a.hgvsp or "").endswith("=")
    ]
    if not vafs:
        return TumorFraction(None, "unknown (no tumor fraction given and no somatic VAF to estimate it)")
    return TumorFraction(min(1.0, round(2 * max(vafs), 4)), "estimated from somatic VAFs (2 x highest VAF)", True)


def tumor_copy_number(observed: float, fraction: float, ploidy: float = DEFAULT_PLOIDY) -> float:
    ratio = observed / 2
    return (ratio * (2 * (1 - fraction) + fraction * ploidy) - 2 * (1 - fraction)) / fraction


def interpret_gene(cn: GeneCopyNumber, tf: TumorFraction, t: CnvThresholds) -> GeneCopyNumber:
    """Status, focality and tumor-adjusted value of one gene's copy number; a value that did not pass
    the caller's filters (kept by --include-filtered) says so first in its note."""
    out = _interpret_gene(cn, tf, t)
    if cn.filter == "PASS":
        return out
    flag = f"FILTER {cn.filter}: did not pass the caller's filters (kept: --include-filtered)"
    return _interpreted(out, {"note": f"{flag}; {out.note}" if out.note else flag})


_TOOL_CALLS = {"amp": "amplification", "gain": "gain", "loss": "loss", "del": "copy_loss"}


def _interpret_gene(cn: GeneCopyNumber, tf: TumorFraction, t: CnvThresholds) -> GeneCopyNumber:
    focal = None if cn.segment_length is None else cn.segment_length <= t.focal_max_length
    ploidy = tf.ploidy if tf.ploidy is not None else DEFAULT_PLOIDY
    if cn.level == "call":
        return _interpreted(cn, {"focal": focal, "status": _TOOL_CALLS.get(cn.tool_call or "", "neutral"),
                                 "note": "discrete call as made by the tool"})
    if cn.copy_number is None:
        return _interpreted(cn, {"status": "not_assessed", "note": "no value in the input"})
    if cn.level == "tumor":
        return _interpreted(cn, {"focal": focal, **_tumor_level(cn.copy_number, focal, ploidy, t)})
    value = _PlasmaValue.of(cn.copy_number, tf.value, focal, ploidy, t)
    update: dict[str, object] = {"focal": focal}
    if value.adjusted is not None and value.adjusted_interval is not None:
        update["adjusted_copy_number"] = round(max(0.0, value.adjusted), 2)
        update["adjusted_interval"] = (round(max(0.0, value.adjusted_interval[0]), 2), round(max(0.0, value.adjusted_interval[1]), 2))
    status = _plasma_status(value, t)
    update["status"] = status.status
    if status.note is not None:
        update["note"] = status.note
    return _interpreted(cn, update)


def _tumor_level(obs: float, focal: bool | None, ploidy: float, t: CnvThresholds) -> dict[str, object]:
    """A value already purity-adjusted by the tool, whose uncertainty in tumor copies is not known here: the value decides."""
    amp, floor = t.amplification_min_copy_number, t.min_observed_gain
    status = "amplification" if _at_least(obs, amp) else "copy_loss" if _at_most(obs, t.loss_max_copy_number) else (
        "gain" if _at_least(obs, ploidy + floor) else "neutral")
    if status == "amplification" and focal is False:
        return {"status": "broad_gain", "note": "gain spans a whole arm or chromosome, not a focal amplification",
                "adjusted_copy_number": obs}
    return {"status": status, "adjusted_copy_number": obs}


@dataclass(frozen=True)
class _PlasmaValue:
    """A plasma-level copy number: observed interval obs +/- observed_uncertainty, and its tumor-adjusted image
    when the tumor fraction ``f`` is known."""

    obs: float
    observed_interval: tuple[float, float]
    adjusted: float | None
    adjusted_interval: tuple[float, float] | None
    f: float | None
    focal: bool | None
    ploidy: float

    @classmethod
    def of(cls, obs: float, f: float | None, focal: bool | None, ploidy: float, t: CnvThresholds) -> _PlasmaValue:
        u = t.observed_uncertainty
        observed = (max(0.0, obs - u), obs + u)
        if f is None or f <= 0:
            return cls(obs, observed, None, None, f, focal, ploidy)
        adjusted_interval = (tumor_copy_number(observed[0], f, ploidy), tumor_copy_number(observed[1], f, ploidy))
        return cls(obs, observed, tumor_copy_number(obs, f, ploidy), adjusted_interval, f, focal, ploidy)


class _Status(NamedTuple):
    status: str
    note: str | None = None  # None: the gene's note is left as it was


def _plasma_status(v: _PlasmaValue, t: CnvThresholds) -> _Status:
    """The status of a plasma-level value: a believable gain is judged on its intervals, else loss or neutral."""
    amp, floor = t.amplification_min_copy_number, t.min_observed_gain
    if _at_least(v.obs, 2 + floor):  # a gain large enough to be believed at all
        return _gain_status(v, t)
    if _at_most(v.obs, 2 - floor):
        return _Status("copy_loss" if _at_most(v.adjusted if v.adjusted is not None else v.obs, t.loss_max_copy_number) else "loss")
    if v.f is not None and not _at_least((amp - 2) * v.f, floor):
        return _Status("cannot_exclude", (
            f"at tumor fraction {v.f:.1%} an amplification to {amp:g} tumor copies would add only"
            f" {(amp - 2) * v.f:.2f} copies in plasma, below the {floor:g} that can be seen"
        ))
    if v.focal is not False and v.observed_interval[0] > v.ploidy and (equivocal := _equivocal_note(v, t)):
        # A gain below the floor but beyond noise (its whole interval above the baseline) whose tumor-adjusted interval
        # reaches the threshold: neither an amplification nor neutral.
        return _Status("equivocal", equivocal)
    return _Status("neutral")


def _gain_status(v: _PlasmaValue, t: CnvThresholds) -> _Status:
    """A focal gain is an amplification when its whole observed interval, else its whole tumor-adjusted interval,
    reaches the threshold; equivocal when an interval spans it; a gain below it."""
    amp = t.amplification_min_copy_number
    if v.focal is False:
        return _Status("broad_gain", "gain spans a whole arm or chromosome (e.g. polysomy), not a focal amplification")
    if _at_least(v.observed_interval[0], amp):  # as observed, even the low end reaches the threshold
        return _Status("amplification")
    if v.adjusted is not None and v.adjusted_interval is not None and _at_least(v.adjusted_interval[0], amp):
        note = f"observed {v.obs:.2f} copies at tumor fraction {v.f:.1%}: about {v.adjusted:.1f} tumor copies"
        if not _at_most(v.adjusted, t.max_plausible_copy_number):  # above the cut beyond float error
            note += "; implausibly high: the tumor fraction is probably underestimated"
        return _Status("likely_amplification", note)
    if equivocal := _equivocal_note(v, t):
        return _Status("equivocal", equivocal)
    return _Status("gain", "tumor fraction unknown: the gain cannot be converted to tumor copies" if v.adjusted is None else None)


def _equivocal_note(v: _PlasmaValue, t: CnvThresholds) -> str | None:
    """What to say of a focal gain whose uncertainty interval spans the amplification threshold (its low end is
    below it, else the gain is an amplification): None when the whole interval is below the threshold."""
    amp, u = t.amplification_min_copy_number, t.observed_uncertainty
    obs, observed, adjusted = v.obs, v.observed_interval, v.adjusted_interval
    if adjusted is not None and _at_least(adjusted[1], amp):
        where = (f"tumor-adjusted interval {max(0.0, adjusted[0]):.2f}-{adjusted[1]:.2f} copies"
                 f" ({obs:.2f} +/- {u:g} observed at tumor fraction {v.f:.1%})")
    elif _at_least(observed[1], amp):
        basis = "tumor fraction unknown" if adjusted is None else "as observed"
        where = f"observed interval {observed[0]:.2f}-{observed[1]:.2f} copies ({obs:.2f} +/- {u:g}, {basis})"
    else:
        return None
    return (f"equivocal: {where} spans the amplification threshold of {amp:g} copies; not called an amplification."
            " Confirm with an orthogonal test (e.g. FISH or tissue NGS) or a tissue biopsy before acting on it")


def copy_number_alterations(calls: list[GeneCopyNumber], tf: TumorFraction) -> list[CopyNumberCall]:
    """Amplifications (observed or likely after adjustment, focal) and losses as alterations for matching."""
    out = []
    for c in calls:
        kind: Literal["amplification", "copy_loss"]
        if c.status in AMPLIFIED:
            kind = "amplification"
        elif c.status == "copy_loss":
            kind = "copy_loss"
        else:
            continue
        out.append(
            CopyNumberCall(
                gene=c.gene, type=kind, source=c.source, copy_number=c.copy_number,
                adjusted_copy_number=c.adjusted_copy_number, adjusted_interval=c.adjusted_interval,
                tumor_fraction=tf.value, status=c.status, focal=c.focal, segment_length=c.segment_length,
                filter=c.filter, notes=(c.note,) if c.note else (),
            )
        )
    return out
