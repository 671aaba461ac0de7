"""Small-variant VCF and BCF files, one job per module:

``reader``        :func:`read_vcf`, the entry point (:func:`read_wbc_vcf` for a matched white-blood-cell file) (and :class:`VcfOptions`, from ``options``)
``header``        the header: byte sniff for friendly errors, htslib's reading, the caller that wrote it
``samples``       which sample column is the tumor (or, in a matched WBC file, the normal); generic sample names; the tumor's called genotype
``cells``         cyvcf2 cell access: numbers out of FORMAT/INFO cells, missing values as None
``vaf``           VAF and depth rules, one entry per caller, each carrying its extractor (``VAF_RULES``)
``consequences``  VEP CSQ, snpEff ANN and bcftools BCSQ parsing; which transcript is reported
``records``       one record -> the alterations of its usable ALT alleles, skips counted
``loop``          the read loop: record sources (by index, or streamed: text through a pre-filter, BCF record
                  by record) feeding one loop that yields the observations
``tally``         where each record went (the counts) and the warnings that deserves
``diagnose``      error text for records htslib refused

Shared with the other readers: htslib's messages (:mod:`annotator.readers.htslib`), codon
translation (:mod:`annotator.readers.codons`) and annotation terms (:mod:`annotator.readers.annotation_terms`).
"""

from annotator.readers.htslib import capture_htslib_messages
from annotator.readers.vcf.header import VcfHeader, check_gzip_complete, read_header
from annotator.readers.vcf.options import VcfOptions
from annotator.readers.vcf.reader import read_vcf, read_wbc_vcf
from annotator.readers.vcf.samples import choose_normal_sample, choose_tumor_sample, is_generic_sample_name

__all__ = [
    "VcfHeader",
    "VcfOptions",
    "capture_htslib_messages",
    "check_gzip_complete",
    "choose_normal_sample",
    "choose_tumor_sample",
    "is_generic_sample_name",
    "read_header",
    "read_vcf",
    "read_wbc_vcf",
]
