"""Genes and alterations as the knowledgebase places them on both genome builds.

Coordinates are 1-based and inclusive, as genome browsers and Ensembl show them, so that a reviewer can paste
them; the matcher converts them once when it indexes the knowledgebase (:mod:`annotator.kb.index`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from annotator.kb.references import CitedEntry, StrictModel

Build = Literal["GRCh37", "GRCh38"]
BUILDS: tuple[Build, ...] = ("GRCh37", "GRCh38")
AlterationKind = Literal[
    "protein_change",  # named amino-acid change(s), e.g. KRAS G12D
    "codon",  # any missense change at one codon, e.g. KRAS codon 61
    "exon_inframe_deletion",  # e.g. EGFR exon 19 deletions of any length and anchor
    "exon_insertion",  # e.g. EGFR exon 20 insertions
    "exon_skipping",  # e.g. MET exon 14 splice-site variants and deletions
    "amplification",
    "copy_loss",
    "fusion",
    "kinase_domain_duplication",
    "not_in_plasma_dna",  # protein/RNA expression, histology: a negative plasma test cannot exclude it
]

# Why a gene beyond the resistance genes is read (issue 16): clonal hematopoiesis (a variant there may come from blood
# cells, not the tumor), transformation (TP53/RB1 inactivation: small-cell transformation signal), tumor_fraction (a
# truncal gene whose VAF informs the tumor-fraction reading).
ReadPurpose = Literal["clonal_hematopoiesis", "transformation", "tumor_fraction"]

# Kinds that describe a rearrangement inside one gene: a same-gene SV or fusion-caller event is matched only to these.
INTRAGENIC_KINDS = ("kinase_domain_duplication",)


class Region(StrictModel):
    """1-based inclusive interval on a named build; ``chrom`` without a ``chr`` prefix."""

    chrom: str
    start: int = Field(ge=1)
    end: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Region:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.chrom.lower().startswith("chr"):
            raise ValueError(f"chrom {self.chrom!r}: write contigs without 'chr'")
        return self


class BuildRegions(StrictModel):
    GRCh37: Region
    GRCh38: Region


class Codon(StrictModel):
    """A codon the matcher can translate: its lowest genomic base on each build and its coding-strand sequence."""

    number: int = Field(ge=1)
    ref: str = Field(pattern=r"^[ACGT]{3}$", description="reference codon on the coding strand")
    GRCh37: int = Field(ge=1)
    GRCh38: int = Field(ge=1)


class Exon(StrictModel):
    number: int = Field(ge=1)
    GRCh37: Region
    GRCh38: Region


class Gene(CitedEntry):
    """A gene the knowledgebase places on both builds. Variant genes need a transcript; partner genes may not."""

    symbol: str
    name: str
    aliases: list[str] = []
    strand: Literal[1, -1]
    transcript: str | None = Field(None, pattern=r"^ENST\d{11}(\.\d+)?$")
    fusion_partner_only: bool = Field(
        False, description="known only as a fusion partner: used to name SV breakpoints, not a scope for variants or copy number"
    )
    refseq: str | None = None
    location: BuildRegions
    kinase: bool = False
    codons: list[Codon] = []
    exons: list[Exon] = []
    read_for: list[ReadPurpose] = Field(
        [], description="why the gene is read beyond the resistance entries (issue 16); read like every gene of genes.yaml"
    )

    @model_validator(mode="after")
    def _transcript_for_variant_genes(self) -> Gene:
        # A gene read only for plasma context (read_for) may lack a transcript when no held source names one, provided
        # nothing is numbered on it: without codons or exons, no translation or exon rule depends on a transcript.
        read_only = bool(self.read_for) and not self.codons and not self.exons
        if not self.fusion_partner_only and not self.transcript and not read_only:
            raise ValueError("a gene in variant scope names its transcript (a read_for-only gene without codons or exons may not)")
        if len(set(self.read_for)) != len(self.read_for):
            raise ValueError("read_for names a purpose twice")
        if self.read_for and self.fusion_partner_only:
            raise ValueError("a fusion-partner-only gene is not read for variants: read_for does not apply")
        return self


class FusionSpec(StrictModel):
    """Both partners named, or one of them null meaning any partner."""

    gene5: str | None
    gene3: str | None

    @model_validator(mode="after")
    def _one_named(self) -> FusionSpec:
        if not self.gene5 and not self.gene3:
            raise ValueError("a fusion names at least one partner")
        return self


class SpliceWindows(StrictModel):
    """Bases around an exon, counted on the gene's coding strand, where a variant is read as disrupting its splicing.

    A small variant whose changed bases overlap a window (or a deletion across an exon boundary) matches the
    exon-skipping entry. The windows are curated facts of each entry, not constants of the matcher."""

    donor_exonic: int = Field(ge=0, strict=True, description="last bases of the exon, before its 3' (donor) splice site")
    donor_intronic: int = Field(ge=0, strict=True, description="first bases of the intron after the donor splice site")
    acceptor_intronic: int = Field(ge=0, strict=True, description="last bases of the intron before the 5' (acceptor) splice site")
    acceptor_exonic: int = Field(ge=0, strict=True, description="first bases of the exon after the acceptor splice site")


class Alteration(CitedEntry):
    id: str
    gene: str | None = Field(None, description="HGNC symbol; null only for non-genomic entries such as histologic transformation")
    name: str = Field(description="display name, e.g. 'KRAS G12D', 'MET amplification'")
    kind: AlterationKind
    protein: list[str] = Field([], description="one-letter changes without 'p.', e.g. ['G12D']")
    codon: int | None = None
    exon: int | None = None
    fusion: FusionSpec | None = None
    min_copy_number: float | None = Field(
        None, description="tumor-level copy number from which an amplification counts"
    )
    splice_windows: SpliceWindows | None = Field(
        None, description="exon_skipping: the splice-site windows around the exon (required for that kind, forbidden otherwise)"
    )
    duplicated_exons: list[int] = Field(
        [], description="kinase_domain_duplication: exons of the gene (genes.yaml) the duplicated segment must contain"
    )
    frame_independent: bool = Field(
        False, description="fusion/intragenic entries: a role is given even when the caller predicts an out-of-frame transcript"
    )
    driver: bool = Field(False, description="a primary oncogenic driver when no other driver is present")
    detection: str = Field(description="how it is detected (or why plasma DNA cannot show it)")
    unverified: bool = False

    @model_validator(mode="after")
    def _kind_fields(self) -> Alteration:
        need = {
            "protein_change": ("protein",),
            "codon": ("codon",),
            "exon_inframe_deletion": ("exon",),
            "exon_insertion": ("exon",),
            "exon_skipping": ("exon", "splice_windows"),
            "fusion": ("fusion",),
            "kinase_domain_duplication": ("duplicated_exons",),
        }.get(self.kind, ())
        for field in need:
            if not getattr(self, field):
                raise ValueError(f"kind {self.kind!r} needs field {field!r}")
        if self.gene is None and self.kind != "not_in_plasma_dna":
            raise ValueError(f"kind {self.kind!r} needs a gene")
        if self.splice_windows is not None and self.kind != "exon_skipping":
            raise ValueError(f"splice_windows is only for kind 'exon_skipping', not kind {self.kind!r}")
        if self.duplicated_exons and self.kind != "kinase_domain_duplication":
            raise ValueError("duplicated_exons is only for kind 'kinase_domain_duplication'")
        if self.frame_independent and self.kind not in ("fusion", *INTRAGENIC_KINDS):
            raise ValueError(f"frame_independent is only for fusions and intragenic rearrangements, not kind {self.kind!r}")
        return self
