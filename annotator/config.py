"""Run configuration: frozen, validated once, echoed in every JSON report."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class CnvThresholds:
    """Copy-number calling thresholds; a lab can override any of them with ``--cnv-thresholds FILE`` (YAML)."""

    amplification_min_copy_number: float = 5.0  # tumor copies from which a focal gain is an amplification
    loss_max_copy_number: float = 1.0  # tumor copies at or below which a gene is lost
    min_observed_gain: float = 0.3  # plasma copies above 2 needed before a gain is believed at all
    observed_uncertainty: float = 0.15  # +/- plasma copies behind the interval of the adjusted value
    focal_max_length: int = 20_000_000  # bp; a gained segment longer than this is arm-level, not focal
    estimate_max_vaf: float = 0.35  # tumor fraction estimate uses somatic VAFs below this (germline-like above)

    @classmethod
    def from_yaml(cls, path) -> CnvThresholds:
        import yaml

        from annotator.errors import InputError

        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read thresholds ({exc})", path) from None
        if not isinstance(data, dict):
            raise InputError("expected a YAML mapping of threshold names to numbers", path)
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InputError(f"unknown threshold(s) {', '.join(unknown)}; known: {', '.join(known)}", path)
        values = {}
        for key, value in data.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise InputError(f"{key}: {value!r} is not a non-negative number", path)
            values[key] = int(value) if key == "focal_max_length" else float(value)
        return cls(**values)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


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
