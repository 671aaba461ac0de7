"""What the knowledgebase says about plasma DNA that is not from the tumor, and samples that cannot answer (issue 16).

``plasma.yaml`` holds one mapping (like ``policy.yaml``): the genes where a plasma variant may come from clonal
hematopoiesis (CH), the CH-specific hotspots that are excluded from findings, the published fraction of plasma variants
that were CH per gene, the alterations for which a possibly germline call warrants germline testing and counselling,
the TP53 hotspot codons that count as inactivating for the small-cell transformation signal, and the sources of each
statement. Every gene it names is in genes.yaml and every source is in references.yaml (``annotator.kb.validate``).
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field, model_validator

from annotator.kb.references import CitedEntry, SourceRef, StrictModel

# One-letter protein change at one codon, e.g. "p.V617F"; the codon number is read from it.
_PROTEIN = re.compile(r"^p\.([A-Z])(\d+)([A-Z])$")


class ChHotspot(StrictModel):
    """A CH-specific hotspot: a plasma variant here is read as blood-derived and excluded from findings.

    ``codon`` alone means any missense change at that protein position (DNMT3A R882H, R882C...); ``protein`` narrows
    it to exactly one change (JAK2 p.V617F), whose position must then be ``codon``."""

    gene: str
    codon: int = Field(ge=1, description="protein position; any missense change at it unless 'protein' narrows it")
    protein: str | None = Field(None, pattern=_PROTEIN.pattern, description="exactly this change, e.g. 'p.V617F'")
    sources: list[SourceRef] = Field(min_length=1)
    no_codon_coordinates: str | None = Field(
        None,
        description="why genes.yaml has no codon entry for this position (e.g. no reference-sequence source held);"
        " without it, validation requires the codon in the gene's codon table",
    )

    @model_validator(mode="after")
    def _protein_at_codon(self) -> ChHotspot:
        m = _PROTEIN.match(self.protein) if self.protein else None
        if m and int(m.group(2)) != self.codon:
            raise ValueError(f"protein {self.protein} is not at codon {self.codon}")
        return self

    def matches(self, hgvsp: str) -> bool:
        """Whether a one-letter protein change ("p.R882H", or without "p.") is this hotspot: a missense change at the
        codon (or exactly ``protein`` when given). Synonymous, nonsense and other changes are not."""
        text = hgvsp.strip()
        text = text if text.startswith("p.") else f"p.{text}"
        m = _PROTEIN.match(text)
        if not m or int(m.group(2)) != self.codon or m.group(1) == m.group(3):
            return False
        return self.protein is None or text == self.protein


class BenignPolymorphism(StrictModel):
    """A common population polymorphism in a read gene (TP53 p.P72R): germline and benign, never a tumor finding nor a
    page-1 germline flag. ``sources`` may be empty when the knowledgebase holds none; ``note`` then says what it is."""

    gene: str
    protein: str = Field(pattern=_PROTEIN.pattern, description="one-letter protein change, e.g. 'p.P72R'")
    note: str = Field(min_length=1, description="what it is (e.g. its dbSNP id), in words shown in the report")
    sources: list[SourceRef] = []

    def matches(self, gene: str, hgvsp: str) -> bool:
        text = hgvsp.strip()
        return gene == self.gene and (text if text.startswith("p.") else f"p.{text}") == self.protein


class ChRate(StrictModel):
    """The published fraction (0-1) of a gene's plasma variants that were of CH origin."""

    gene: str
    fraction: float = Field(ge=0, le=1)
    sources: list[SourceRef] = Field(min_length=1)


class PolyclonalAssociation(StrictModel):
    """A published association between resistance mechanisms found together and less benefit from a therapy
    (issue 17), e.g. a KRAS mutation beside MET amplification and MET-directed combinations. Worded as an association
    in reports, never as a prediction; every source must be a checked reference."""

    genes: list[str] = Field(min_length=2, description="the association applies when every one has a resistance finding")
    statement: str = Field(min_length=1, description="the association, as reports word it")
    sources: list[SourceRef] = Field(min_length=1)


class PlasmaKnowledge(CitedEntry):
    """plasma.yaml: CH genes and hotspots, germline counselling, and the transformation signal's TP53 hotspots."""

    ch_genes: list[str] = Field(description="a variant in one is 'possible CH' (shown with its numbers, not excluded)")
    ch_discordance_only: list[str] = Field(
        [], description="subset of ch_genes (TP53): possible CH only when the VAF is discordant with the tumor fraction or WBC evidence exists"
    )
    ch_wbc_only: list[str] = Field(
        [], description="genes (KRAS, NRAS, BRAF, EGFR) whose variants are never excluded as CH without WBC evidence"
    )
    ch_hotspots: list[ChHotspot] = []
    ch_rates: list[ChRate] = []
    germline_counselling: list[str] = Field(
        [], description="alteration ids for which germline testing and counselling is recommended when flagged possibly germline"
    )
    benign_polymorphisms: list[BenignPolymorphism] = []
    wbc_ch_max_vaf: float = Field(
        0.20, ge=0, le=1, description="buffy-coat VAF below which a variant called in WBC can be read as CH (magee2025)"
    )
    transformation_tp53_gene: str = Field("TP53", description="the TP53-like gene of the small-cell transformation signal")
    transformation_rb1_gene: str = Field("RB1", description="the RB1-like gene of the small-cell transformation signal")
    transformation_tp53_hotspot_codons: list[int] = Field(
        [], description="TP53 hotspot missense codons that count as inactivating for the transformation signal"
    )
    transformation_codon_sources: list[SourceRef] = Field(
        [], description="where the hotspot codons' coordinates come from: coordinate notes, not clinical references"
    )
    sources_wbc: list[SourceRef] = Field(min_length=1, description="what the matched-WBC comparison is modelled on")
    sources_ch: list[SourceRef] = Field(min_length=1)
    sources_germline: list[SourceRef] = Field(min_length=1)
    sources_not_informative: list[SourceRef] = Field(min_length=1)
    sources_transformation: list[SourceRef] = Field(min_length=1)
    polyclonal_associations: list[PolyclonalAssociation] = Field(
        [], description="associations of co-occurring resistance mechanisms with less benefit (issue 17)"
    )

    @model_validator(mode="after")
    def _subsets(self) -> PlasmaKnowledge:
        stray = [g for g in self.ch_discordance_only if g not in self.ch_genes]
        if stray:
            raise ValueError(f"ch_discordance_only names {stray}, not in ch_genes")
        both = sorted(set(self.ch_wbc_only) & set(self.ch_genes))
        if both:
            raise ValueError(f"{both} are in both ch_genes and ch_wbc_only: a gene is one or the other")
        return self

    def ch_hotspot(self, gene: str, hgvsp: str) -> ChHotspot | None:
        """The CH hotspot that a protein change in ``gene`` is, else None."""
        return next((h for h in self.ch_hotspots if h.gene == gene and h.matches(hgvsp)), None)

    def benign_polymorphism(self, gene: str, hgvsp: str) -> BenignPolymorphism | None:
        """The listed benign polymorphism that a protein change in ``gene`` is, else None."""
        return next((b for b in self.benign_polymorphisms if b.matches(gene, hgvsp)), None)

    def all_sources(self) -> list[SourceRef]:
        """Every source the file cites, for the reference-existence check."""
        return [
            *self.sources, *self.sources_ch, *self.sources_germline, *self.sources_not_informative,
            *self.sources_transformation, *(s for h in self.ch_hotspots for s in h.sources),
            *(s for r in self.ch_rates for s in r.sources), *self.sources_wbc, *self.transformation_codon_sources,
            *(s for b in self.benign_polymorphisms for s in b.sources), *(s for a in self.polyclonal_associations for s in a.sources),
        ]

    def genes_named(self) -> list[str]:
        """Every gene symbol the file names."""
        return [*self.ch_genes, *self.ch_wbc_only, *(h.gene for h in self.ch_hotspots), *(r.gene for r in self.ch_rates),
                *(b.gene for b in self.benign_polymorphisms), *(g for a in self.polyclonal_associations for g in a.genes),
                *(getattr(self, f) for f in ("transformation_tp53_gene", "transformation_rb1_gene") if f in self.model_fields_set)]


def no_plasma_knowledge() -> PlasmaKnowledge:
    """The plasma knowledge of a knowledgebase directory without plasma.yaml: nothing is known, nothing is cited."""
    return PlasmaKnowledge.model_construct(
        ch_genes=[], ch_discordance_only=[], ch_wbc_only=[], ch_hotspots=[], ch_rates=[], germline_counselling=[],
        benign_polymorphisms=[], wbc_ch_max_vaf=0.20, transformation_tp53_hotspot_codons=[], transformation_codon_sources=[],
        sources=[], sources_ch=[], sources_wbc=[], sources_germline=[], sources_not_informative=[], sources_transformation=[],
        polyclonal_associations=[], last_reviewed=dt.date(1970, 1, 1), deprecated=False,
    )
