"""Small-variant VCF and BCF files: the header (``header``), htslib's messages (``htslib``) and the
records that become alterations (``reader``)."""

from annotator.readers.vcf.header import VcfHeader, check_gzip_complete, read_header
from annotator.readers.htslib import capture_htslib_messages
from annotator.readers.vcf.reader import (
    VcfOptions,
    choose_tumor_sample,
    codon_protein,
    is_generic_sample_name,
    read_vcf,
)

__all__ = [
    "VcfHeader",
    "VcfOptions",
    "capture_htslib_messages",
    "check_gzip_complete",
    "choose_tumor_sample",
    "codon_protein",
    "is_generic_sample_name",
    "read_header",
    "read_vcf",
]
