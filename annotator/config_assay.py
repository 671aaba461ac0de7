"""The assay's settings: depth, detection limit, clonality and tumor-fraction confidence (issue 17).

On :class:`annotator.config.RunConfig` as ``assay``, echoed in the JSON report's settings; a lab overrides any
of them with ``--assay-thresholds FILE`` (YAML, as the other threshold files; see README). They say what a
negative result can mean (a locus covered deeply enough, a signal expected above the detection limit), how a
variant's cell fraction is labelled, and when the tumor-fraction estimate is trusted.
"""

from __future__ import annotations

from pydantic import Field

from annotator.thresholds import Thresholds


class AssayThresholds(Thresholds):
    """Detection-limit, clonality and tumor-fraction settings of the assay; ``--assay-thresholds FILE`` (YAML) overrides."""

    # Without --coverage every locus is taken at this depth, labelled "assumed" in the report: a typical
    # deduplicated (unique-molecule) depth of plasma hybrid-capture panels, well below their raw read depth.
    assumed_depth: int = Field(1000, ge=1)
    # Tumor-fraction estimator: a variant informs it from this depth (below it a 1% VAF is a read or two).
    min_depth: int = Field(100, ge=0)
    # Depth-based detection limit: an SNV/indel is called from this many alt reads (limit = reads / depth).
    detection_min_alt_reads: int = Field(5, ge=1)
    # "Not detected" needs P(>= detection_min_alt_reads alt reads | expected VAF, depth) at least this: the
    # 95% hit rate by which a limit of detection is conventionally defined (CLSI EP17).
    min_sensitivity: float = Field(0.95, ge=0, le=1)
    # A cell-fraction interval wholly above: clonal; wholly below: subclonal; spanning it: indeterminate. A board
    # reads "clonal" as in (nearly) every tumor cell, so the bar sits near 1, not at a majority.
    clonal_ccf_threshold: float = Field(0.8, ge=0, le=1)
    ccf_interval: float = Field(0.95, gt=0, lt=1)  # binomial interval level for the cell fraction (the usual 95%)
    # Fewer informative variants than this: the tumor fraction is "low confidence" (one or two VAFs may be a
    # subclone or an unflagged clonal-hematopoiesis variant).
    tf_min_variants: int = Field(3, ge=1)
    # An estimate below this is "low confidence": a clonal variant at 2% tumor fraction has ~10 alt reads at
    # 1000x, so sampling noise alone moves the estimate by a third.
    tf_low_confidence_below: float = Field(0.02, ge=0, le=1)
    # Background variants (panel targets outside the knowledgebase genes) have no gene rules to read them as blood or
    # germline: above this VAF they are left out of the estimate (a clonal tumor variant above it needs a tumor
    # fraction above 50%, which the driver floor covers).
    background_max_vaf: float = Field(0.25, gt=0, le=1)
