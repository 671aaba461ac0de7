"""Copy-number inputs: many tools' formats, detected from the header (or ``--cnv-format``).

Every format becomes per-gene :class:`GeneCopyNumber` values for knowledgebase genes; nothing here
decides what is an amplification (that is :mod:`annotator.copynumber`, which knows the tumor
fraction and the thresholds). Segment formats are mapped to genes by coordinates on the sample's
build (``segments``); gene-level formats name the gene (``genes``); CNV VCF records are segments
with a FILTER (``vcf_records``). The formats themselves are entries in ``formats.FORMATS``.

``level`` says what the number means: ``plasma`` (observed in the sample: log2 ratios, read-depth
copy numbers), ``tumor`` (already purity-adjusted by the tool: PURPLE, PCGR allele-specific
segments, DRAGEN) or ``call`` (a discrete call only: GISTIC -2..2, Amplification/Deletion).
"""

from annotator.readers.cnv.formats import FORMATS, called
from annotator.readers.cnv.genes import GeneTable
from annotator.readers.cnv.model import CnvFormat, GeneValue, Row, Segment
from annotator.readers.cnv.reader import detect_format, read_copy_number
from annotator.readers.cnv.segments import SegmentTable

__all__ = [
    "FORMATS", "CnvFormat", "GeneTable", "GeneValue", "Row", "Segment", "SegmentTable", "called", "detect_format", "read_copy_number",
]
