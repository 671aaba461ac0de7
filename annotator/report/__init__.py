"""The report model: everything a renderer shows, already sorted and worded.

Renderers (HTML, PDF, JSON) only format this model; the JSON Schema in ``docs/report.schema.json`` is
generated from it (``ReportModel.model_json_schema()``). One module per job:

- :mod:`~annotator.report.model`: the model's classes (the JSON contract);
- :mod:`~annotator.report.build`: :func:`build_report`, one sample's model from its interpretation;
- :mod:`~annotator.report.findings`, :mod:`~annotator.report.therapy`, :mod:`~annotator.report.summary`:
  the rows of each section and page 1; :mod:`~annotator.report.citations`: sources as links;
- :mod:`~annotator.report.plasma`: the plasma section and what page 1 says of it;
- :mod:`~annotator.report.clock`: the generation time (``SOURCE_DATE_EPOCH``).
"""

from annotator.report.build import build_report
from annotator.report.clock import generated_at, source_date_epoch
from annotator.report.model import (
    RESEARCH_USE,
    ROW_TABLES,
    SCHEMA_VERSION,
    AlterationRow,
    CopyNumberRow,
    EvidenceOut,
    FindingOut,
    KbEntryOut,
    KnowledgebaseInfo,
    Link,
    NotRecommendedOut,
    PlasmaOut,
    PrimaryDriver,
    RecommendationOut,
    ReportModel,
    SampleInfo,
    ScaleLevel,
    Settings,
    Summary,
    TherapyOut,
    ThresholdOut,
    TransformationOut,
    TrialOut,
    VariantOriginOut,
)
from annotator.report.therapy import STATUS_MAX_AGE, describe_condition

__all__ = [
    "RESEARCH_USE", "ROW_TABLES", "SCHEMA_VERSION", "STATUS_MAX_AGE", "AlterationRow", "CopyNumberRow", "EvidenceOut",
    "FindingOut", "KbEntryOut", "KnowledgebaseInfo", "Link", "NotRecommendedOut", "PlasmaOut", "PrimaryDriver", "RecommendationOut", "ReportModel",
    "SampleInfo", "ScaleLevel", "Settings", "Summary", "TherapyOut", "ThresholdOut", "TransformationOut", "TrialOut", "VariantOriginOut", "build_report",
    "describe_condition", "generated_at", "source_date_epoch",
]
