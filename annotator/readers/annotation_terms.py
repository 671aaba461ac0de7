"""Annotation text shared by the VCF and MAF readers: consequence terms and transcript ids.

VEP, snpEff and bcftools csq in a VCF, and vcf2maf's columns in a MAF, write these the same way, so
both readers use these helpers (the MAF reader need not load the VCF package to get them).
"""

from __future__ import annotations


def split_terms(text: str | None) -> tuple[str, ...]:
    """Consequence terms joined by '&' (VEP, snpEff, bcftools csq, vcf2maf's Consequence column)."""
    return tuple((text or "").split("&"))


def strip_transcript(hgvsc: str | None) -> str | None:
    """'ENST00000275493.7:c.2573T>G' -> 'c.2573T>G'."""
    return hgvsc.rsplit(":", 1)[1] if hgvsc and ":" in hgvsc else hgvsc


def transcript_id(transcript: str) -> str:
    """A transcript without its version ('ENST00000275493.7' -> 'ENST00000275493')."""
    return transcript.split(".")[0]
