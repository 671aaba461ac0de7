"""Fusion inputs: RNA fusion callers' tables, DNA SV tables and VCFs, detected from the header.

Every format becomes fusion :class:`Fusion` values filed under the knowledgebase kinase
partner (``gene``), written ``GENE5::GENE3``. Partner names are mapped to current symbols through
the knowledgebase's aliases; a fusion of a knowledgebase kinase with an unlisted partner is kept
(``TRIM33::RET`` is a RET fusion, its partner not in the knowledgebase). Sources that do not give
the 5'/3' order (oncokb-annotator's ``ALK-EML4``) are ordered with the kinase 3', as in the
oncogenic fusions the knowledgebase lists, and say so.

The table formats are entries in ``formats.FORMATS``; breakend VCFs are read by ``sv_vcf``; both
give :class:`RawFusion` calls (``model``) that ``reader`` turns into alterations.
"""

from annotator.readers.fusion.formats import FORMATS, FusionFormat, Row, read_count
from annotator.readers.fusion.model import RawFusion
from annotator.readers.fusion.reader import detect_format, fusion_gene, read_fusions

__all__ = ["FORMATS", "FusionFormat", "RawFusion", "Row", "detect_format", "fusion_gene", "read_count", "read_fusions"]
