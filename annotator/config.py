"""Run configuration: frozen, validated once, echoed in every JSON report.

One model, :class:`RunConfig`, is built the same way by ``annotate`` (from its options) and by
``batch`` (from each sample-sheet row, :class:`SampleOptions`, plus the run-wide formats and
thresholds), so an option means the same and is refused with the same words on either path.
:func:`validate_options` builds either model from raw values (command-line text or sheet cells) and
returns every problem at once, each worded ``<name> <value> <reason>``, where ``<name>`` is the
option (``--ploidy``) or the sheet column (``line 3: ploidy``).

The knowledgebase is loaded after the options are parsed, so the tumor type is checked against it
separately, by :meth:`SampleOptions.tumor_type_problem`, before any input file is read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, Protocol, TypeVar, get_args

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

from annotator.config_assay import AssayThresholds
from annotator.errors import InputError
from annotator.genome import parse_build
from annotator.thresholds import FrozenSettings as _Frozen
from annotator.thresholds import Thresholds as _Thresholds
from annotator.thresholds import setting_problem as _problem

DEFAULT_TUMOR_TYPE = "NSCLC"  # the one place the default is written (CLI, sample sheet and pipeline read it here)

CNV_FORMATS_CONTEXT = "cnv_formats"  # validation context key: the copy-number format names to accept
# The keys of annotator.render.RENDERERS, for the same reason (asserted equal by the same test file).
OutputFormat = Literal["html", "pdf", "json"]
FusionConfidence = Literal["low", "medium", "high"]
FUSION_CONFIDENCE_LEVELS: tuple[str, ...] = get_args(FusionConfidence)  # Arriba's scale; other callers' levels are mapped onto it

PLOIDY_RANGE = (0.5, 10.0)
DEFAULT_PLOIDY = 2.0  # a diploid tumor, when neither --ploidy nor ichorCNA says otherwise
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")


class _TumorTypeLabels(Protocol):
    def tumor_type_labels(self) -> list[str]: ...


class TumorTypes(Protocol):
    """What the tumor type is checked against: a loaded ``annotator.kb.schema.Knowledgebase`` (not imported:
    config is the base layer)."""

    @property
    def release(self) -> _TumorTypeLabels: ...

    def tumor_type(self, name: str) -> object | None: ...


# --- thresholds ------------------------------------------------------------------------------------

class CnvThresholds(_Thresholds):
    """Copy-number calling thresholds; a lab can override any of them with ``--cnv-thresholds FILE`` (YAML)."""

    amplification_min_copy_number: float = Field(5.0, ge=0)  # tumor copies from which a focal gain is an amplification
    loss_max_copy_number: float = Field(1.0, ge=0)  # tumor copies at or below which a gene is lost
    min_observed_gain: float = Field(0.3, ge=0)  # plasma copies above 2 needed before a gain is believed at all
    observed_uncertainty: float = Field(0.15, ge=0)  # +/- plasma copies behind the interval of the adjusted value
    focal_max_length: int = Field(20_000_000, ge=0)  # bp; a gained segment longer than this is arm-level, not focal
    estimate_max_vaf: float = Field(0.35, ge=0)  # tumor fraction estimate uses somatic VAFs below this (germline-like above)
    # Tumor copies above which a likely amplification, computed from a plasma gain and the tumor fraction,
    # is flagged as implausible: focal amplicons in lung cancer rarely exceed a few dozen copies, so such a
    # value more likely means the tumor fraction is underestimated than that the tumor carries it.
    max_plausible_copy_number: float = Field(60.0, ge=0)


class CallThresholds(_Thresholds):
    """What a caller's own verdict needs before a call is used; ``--call-thresholds FILE`` (YAML) overrides.

    A caller's 0/0 genotype is not the last word in plasma: germline-tuned callers (HaplotypeCaller,
    DRAGEN germline, joint genotyping) and VarDict below its AF cut write 0/0 over a real
    low-fraction somatic allele. Such an allele is kept when its reads reach both minimums.
    """

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"fusion_min_confidence": FUSION_CONFIDENCE_LEVELS}
    genotype_zero_min_alt_reads: int = Field(5, ge=0)  # alt reads for an allele the caller genotyped 0/0
    genotype_zero_min_vaf: float = Field(0.005, ge=0)  # and its VAF (0.5%)
    fusion_min_confidence: FusionConfidence = "medium"  # lower caller confidence never earns a resistance role
    fusion_require_in_frame: bool = True  # an out-of-frame fusion never earns a resistance role
    # Report rows: a variant annotated non-coding is counted, not listed, unless the knowledgebase names it or it
    # lies within this many bases of an exon a knowledgebase entry names (MET exon 14 branch-point region...).
    non_coding_kept_within_bp: int = Field(50, ge=0)


class PlasmaThresholds(_Thresholds):
    """Where a plasma variant's origin (clonal hematopoiesis, germline, tumor) and a sample's informativeness are
    decided; ``--plasma-thresholds FILE`` (YAML) overrides. The flags these feed are evidence shown with their
    numbers, never verdicts (see :mod:`annotator.plasma`)."""

    # A heterozygous germline allele sits near 50% VAF; 0.40-0.60 allows for capture bias and sampling noise at
    # plasma depths, while a tumor allele reaches it only at very high tumor fractions.
    germline_het_band: tuple[float, float] = (0.40, 0.60)
    germline_hom_min_vaf: float = Field(0.90, ge=0, le=1)  # a homozygous germline allele: ~100% VAF
    # Above this tumor fraction a het-band VAF can be a clonal tumor allele (2 x VAF <= TF), so it is not flagged.
    germline_max_tumor_fraction: float = Field(0.30, ge=0, le=1)
    # VAF discordant with the tumor fraction when VAF > factor x TF/2 or VAF < TF/2 / factor: a heterozygous clonal
    # tumor allele sits at TF/2; a factor of 2 tolerates subclonality, copy number and estimation error.
    discordance_factor: float = Field(2.0, ge=1)
    # Below 1% tumor fraction most low-shedding tumors' resistance alterations fall under the detection limit of
    # plasma panels: a negative result then says little (a local default; Rolfo 2021 does not give this number).
    informative_min_tumor_fraction: float = Field(0.01, ge=0, le=1)
    # A variant is "present in WBC" at 0.2% VAF with 2 alt reads: the plasma panels' own detection floor, so
    # clonal hematopoiesis seen in plasma is also seen in matched white cells sequenced to similar depth.
    wbc_min_vaf: float = Field(0.002, ge=0, le=1)
    wbc_min_alt_reads: int = Field(2, ge=0)
    wbc_germline_min_vaf: float = Field(0.30, ge=0, le=1)  # in WBC at a germline VAF: inherited, not acquired
    deep_loss_max_copy_number: float = Field(0.5, ge=0)  # tumor copies at or below: deep (homozygous) loss

    @field_validator("germline_het_band")
    @classmethod
    def _band(cls, v: tuple[float, float]) -> tuple[float, float]:
        low, high = v
        if not (0 <= low <= high <= 1):
            raise _problem(f"({low:g}, {high:g}) is not a VAF band: give [low, high] with 0 <= low <= high <= 1")
        return v


# --- the run configuration -------------------------------------------------------------------------

def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, low: float, high: float, hint: str = "") -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _problem("is not a number")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise _problem("is not a number") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise _problem(f"is outside {low:g}-{high:g}{hint}")
    return number


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        raise _problem("is not text")
    return value.strip()


class SampleOptions(_Frozen):
    """The options of one sample: ``annotate``'s per-sample options, or one sample-sheet row's cells.

    Raw text is accepted (``"0.3"``, ``"true"``, ``"hg38"``) and normalized; a blank value means the
    default. Bounds: ploidy 0.5-10, tumor fraction 0-1, genome a known build or alias, cnv_format one
    of the copy-number readers' format names, tumor fraction or its file (not both).
    """

    genome: Literal["GRCh37", "GRCh38"] | None = None  # None: detect from the VCF header
    tumor_sample: str | None = None
    include_filtered: bool = False
    reference: str | None = None  # FASTA for REF checks and indel left-alignment
    tumor_fraction: float | None = None  # 0..1, from --tumor-fraction
    tumor_fraction_file: str | None = None  # ichorCNA params.txt
    ploidy: float | None = None  # 0.5..10; None: 2, or ichorCNA's
    cnv_format: str | None = None  # None: detected from each file's header
    tumor_type: str = DEFAULT_TUMOR_TYPE  # checked against the knowledgebase's tumor types once it is loaded

    @field_validator("genome", mode="before")
    @classmethod
    def _genome(cls, v: Any) -> str | None:
        if _blank(v):
            return None
        try:
            return parse_build(str(v))
        except InputError as exc:  # "unknown genome build 'x'; use one of ..." -> the list, worded as other options are
            raise _problem("is not a genome build; " + exc.message.split("; ", 1)[-1]) from None

    @field_validator("tumor_sample", "reference", "tumor_fraction_file", mode="before")
    @classmethod
    def _optional_text(cls, v: Any) -> str | None:
        return _text(str(v) if hasattr(v, "__fspath__") else v)

    @field_validator("include_filtered", mode="before")
    @classmethod
    def _flag(cls, v: Any) -> bool:
        if isinstance(v, bool) or _blank(v):
            return bool(v)
        word = str(v).strip().lower()
        if word not in TRUE_WORDS + FALSE_WORDS:
            raise _problem("is not true/false")
        return word in TRUE_WORDS

    @field_validator("tumor_fraction", mode="before")
    @classmethod
    def _tumor_fraction(cls, v: Any) -> float | None:
        return _number(v, 0.0, 1.0, " (give a fraction: 0.05 for 5%)")

    @field_validator("tumor_fraction_file")
    @classmethod
    def _one_tumor_fraction(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and info.data.get("tumor_fraction") is not None:
            raise _problem("is given with {tumor_fraction}: give one of the two")
        return v

    @field_validator("ploidy", mode="before")
    @classmethod
    def _ploidy(cls, v: Any) -> float | None:
        return _number(v, *PLOIDY_RANGE)

    @field_validator("cnv_format", mode="before")
    @classmethod
    def _cnv_format(cls, v: Any, info: ValidationInfo) -> str | None:
        if _blank(v):
            return None
        # The names are the copy-number readers' registry, to the right of this layer: whoever validates
        # options passes them as context (the CLI, the sample sheet, batch). Without them the reader
        # refuses an unknown name when it opens the file.
        names = (info.context or {}).get(CNV_FORMATS_CONTEXT)
        if names is not None and v not in names:
            raise _problem(f"is not a copy-number format; choose from {', '.join(names)}")
        return v

    @field_validator("tumor_type", mode="before")
    @classmethod
    def _tumor_type(cls, v: Any) -> str:
        if v is None:
            return DEFAULT_TUMOR_TYPE
        text = _text(v)
        if text is None:
            raise _problem("is empty")
        return text

    def tumor_type_problem(self, kb: TumorTypes, name: Callable[[str], str] = lambda field: field) -> str | None:
        """Why ``tumor_type`` is not one of the knowledgebase's tumor types (listing them), or None.

        ``kb`` is a loaded ``annotator.kb.schema.Knowledgebase`` (not imported: config is the base
        layer); its ``tumor_type(name)`` matches ids, names and synonyms ignoring case, spaces and hyphens.
        ``name`` turns the field into what the user typed (``--tumor-type`` or ``tumor_type``).
        """
        return tumor_type_problem(self.tumor_type, kb, name)


def tumor_type_problem(tumor_type: str, kb: TumorTypes, name: Callable[[str], str] = lambda field: field) -> str | None:
    """Why ``tumor_type`` is not one of the knowledgebase's tumor types, or None (see ``SampleOptions``);
    usable before the other options validate, so that every problem shows at once."""
    if kb.tumor_type(tumor_type) is not None:
        return None
    known = ", ".join(kb.release.tumor_type_labels())
    return f"{name('tumor_type')} {tumor_type!r} is not a knowledgebase tumor type; choose from {known}"


class RunConfig(SampleOptions):
    """Everything that decides how one sample is annotated, validated once (see :class:`SampleOptions`),
    plus the run-wide output formats and thresholds."""

    formats: tuple[OutputFormat, ...] = ("html", "pdf", "json")
    cnv: CnvThresholds = Field(default_factory=CnvThresholds)
    calls: CallThresholds = Field(default_factory=CallThresholds)
    plasma: PlasmaThresholds = Field(default_factory=PlasmaThresholds)
    assay: AssayThresholds = Field(default_factory=AssayThresholds)  # depth, detection limit, clonality (config_assay)

    @field_validator("formats", mode="before")
    @classmethod
    def _formats(cls, v: Any) -> tuple[str, ...]:
        items = [f.strip().lower() for f in v.split(",")] if isinstance(v, str) else list(v)
        items = list(dict.fromkeys(f for f in items if f))
        names = get_args(OutputFormat)
        if not items or any(f not in names for f in items):
            raise _problem(f"is not a list of output formats; choose from {', '.join(names)}")
        return tuple(items)

    @classmethod
    def for_sample(cls, options: SampleOptions, formats: tuple[str, ...], cnv: CnvThresholds, calls: CallThresholds,
                   plasma: PlasmaThresholds | None = None, assay: AssayThresholds | None = None) -> RunConfig:
        """One sample's options with the run's formats and thresholds (``batch``)."""
        return cls.model_validate({**{k: getattr(options, k) for k in SampleOptions.model_fields},
                                   "formats": formats, "cnv": cnv, "calls": calls, "plasma": plasma or PlasmaThresholds(),
                                   "assay": assay or AssayThresholds()})


M = TypeVar("M", bound=BaseModel)


def validate_options(model: type[M], values: Mapping[str, Any], name: Callable[[str], str] = lambda field: field,
                     prefix: str = "", context: Mapping[str, Any] | None = None) -> tuple[M | None, list[str]]:
    """``model`` built from raw ``values``, or None and every problem, each ``<prefix><name> <value> <reason>``.

    ``name`` turns a field into what the user typed: ``--ploidy`` on the command line, ``ploidy`` in a
    sheet (where ``prefix`` is ``line 3: ``). A reason may name another field as ``{field}``.
    ``context`` carries the registries of later layers (:data:`CNV_FORMATS_CONTEXT`).
    """
    try:
        return model.model_validate(dict(values), context=context), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            reason = error["ctx"]["reason"] if error["type"] == "run_option" else error["msg"]
            for other in model.model_fields:
                reason = reason.replace("{" + other + "}", name(other))
            value = error.get("input")
            shown = f"{value!r}" if isinstance(value, str) else str(value)
            problems.append(f"{prefix}{name(field)} {shown} {reason}" if field else f"{prefix}{reason}")
        return None, problems


def cli_name(field: str) -> str:
    """The ``annotate`` option of a configuration field: ``tumor_fraction`` -> ``--tumor-fraction``."""
    return {"formats": "--format"}.get(field, "--" + field.replace("_", "-"))
