"""Run configuration: frozen, validated once, echoed in every JSON report."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar


class _Thresholds:
    """Named numeric settings a lab can override from a YAML mapping; unknown names are refused."""

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {}  # allowed values of the text-valued settings

    @classmethod
    def from_yaml(cls, path):
        import yaml

        from annotator.errors import InputError

        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read thresholds ({' '.join(str(exc).split())})", path) from None
        if not isinstance(data, dict):
            raise InputError("expected a YAML mapping of threshold names to values", path)
        defaults = {f.name: getattr(cls(), f.name) for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(defaults))
        if unknown:
            raise InputError(f"unknown threshold(s) {', '.join(map(str, unknown))}; known: {', '.join(defaults)}", path)
        values = {}
        for key, value in data.items():
            default = defaults[key]
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise InputError(f"{key}: {value!r} is not true or false", path)
            elif isinstance(default, str):
                choices = cls.CHOICES.get(key, ())
                if value not in choices:
                    raise InputError(f"{key}: {value!r} is not one of {', '.join(choices)}", path)
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise InputError(f"{key}: {value!r} is not a non-negative number", path)
            elif isinstance(default, int) and value != int(value):
                raise InputError(f"{key}: {value!r} is not a whole number", path)
            values[key] = value if isinstance(default, (bool, str)) else type(default)(value)
        return cls(**values)

    def as_dict(self) -> dict[str, float | int | bool | str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class CnvThresholds(_Thresholds):
    """Copy-number calling thresholds; a lab can override any of them with ``--cnv-thresholds FILE`` (YAML)."""

    amplification_min_copy_number: float = 5.0  # tumor copies from which a focal gain is an amplification
    loss_max_copy_number: float = 1.0  # tumor copies at or below which a gene is lost
    min_observed_gain: float = 0.3  # plasma copies above 2 needed before a gain is believed at all
    observed_uncertainty: float = 0.15  # +/- plasma copies behind the interval of the adjusted value
    focal_max_length: int = 20_000_000  # bp; a gained segment longer than this is arm-level, not focal
    estimate_max_vaf: float = 0.35  # tumor fraction estimate uses somatic VAFs below this (germline-like above)


FUSION_CONFIDENCE_LEVELS = ("low", "medium", "high")  # Arriba's scale; other callers' levels are mapped onto it


@dataclass(frozen=True)
class CallThresholds(_Thresholds):
    """What a caller's own verdict needs before a call is used; ``--call-thresholds FILE`` (YAML) overrides.

    A caller's 0/0 genotype is not the last word in plasma: germline-tuned callers (HaplotypeCaller,
    DRAGEN germline, joint genotyping) and VarDict below its AF cut write 0/0 over a real
    low-fraction somatic allele. Such an allele is kept when its reads reach both minimums.
    """

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"fusion_min_confidence": FUSION_CONFIDENCE_LEVELS}
    genotype_zero_min_alt_reads: int = 5  # alt reads for an allele the caller genotyped 0/0
    genotype_zero_min_vaf: float = 0.005  # and its VAF (0.5%)
    fusion_min_confidence: str = "medium"  # lower caller confidence never earns a resistance role
    fusion_require_in_frame: bool = True  # an out-of-frame fusion never earns a resistance role


@dataclass(frozen=True)
class RunConfig:
    genome: str | None = None  # None: detect from the VCF header
    tumor_sample: str | None = None
    include_filtered: bool = False
    reference: str | None = None  # FASTA for REF checks and indel left-alignment
    tumor_fraction: float | None = None  # 0..1, from --tumor-fraction
    tumor_fraction_file: str | None = None  # ichorCNA params.txt
    ploidy: float | None = None
    cnv_format: str | None = None  # None: detected from each file's header
    formats: tuple[str, ...] = ("html", "pdf", "json")
    cnv: CnvThresholds = field(default_factory=CnvThresholds)
    calls: CallThresholds = field(default_factory=CallThresholds)
