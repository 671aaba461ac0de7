"""What the caller of :func:`annotator.readers.vcf.read_vcf` decides about one reading."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from annotator.config import CallThresholds
from annotator.models import PanelTargets, SmallVariant
from annotator.reference import Reference


@dataclass(frozen=True)
class VcfOptions:
    tumor_sample: str | None = None
    include_filtered: bool = False
    reference: Reference | None = None  # REF check and left-alignment
    calls: CallThresholds = field(default_factory=CallThresholds)
    # Whether the knowledgebase names an alteration (the pipeline passes matching's answer in: readers do not
    # import matching). When given, variants the annotation calls non-coding on every transcript are counted,
    # not returned, unless this says the knowledgebase names them (MET exon 14 splice-site and intronic
    # deletions are "intron_variant" to VEP). None: every variant is returned.
    known: Callable[[SmallVariant], bool] | None = None
    # The assay's targets (--panel-bed): records in them outside every knowledgebase gene are read too, as
    # background variants for the tumor-fraction estimate (ReadResult.background). None: only the genes.
    panel: PanelTargets | None = None
