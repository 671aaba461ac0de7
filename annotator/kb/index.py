"""Fast look-ups over a loaded knowledgebase for one genome build.

Built once per (knowledgebase, build). Intervals here are 0-based half-open, converted from the
YAML's 1-based inclusive coordinates in exactly one place (:func:`_half_open`).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from annotator.genome import bare_contig
from annotator.kb.schema import (
    BUILDS,
    Build,
    ChHotspot,
    Drug,
    DrugClass,
    Gene,
    Knowledgebase,
    PlasmaKnowledge,
    Reference,
    Region,
)
from annotator.kb.schema import Alteration as KbAlteration


def _half_open(region: Region) -> tuple[str, int, int]:
    return region.chrom, region.start - 1, region.end


@dataclass(frozen=True)
class CodonSite:
    gene: Gene
    number: int
    ref_codon: str
    start: int  # 1-based lowest genomic base


@dataclass
class KbIndex:
    kb: Knowledgebase
    build: Build
    genes: dict[str, Gene] = field(default_factory=dict)
    _gene_intervals: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # variant scope
    _all_intervals: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # + fusion partners
    _codons: dict[tuple[str, int], CodonSite] = field(default_factory=dict)
    _drug_names: dict[str, Drug] = field(default_factory=dict)
    _symbols: dict[str, str] = field(default_factory=dict)
    _classes: dict[str, DrugClass] = field(default_factory=dict)
    _drugs_by_id: dict[str, Drug] = field(default_factory=dict)
    _alterations: dict[str, KbAlteration] = field(default_factory=dict)
    _references: dict[str, Reference] = field(default_factory=dict)
    _by_gene: dict[str | None, list[KbAlteration]] = field(default_factory=dict)  # not deprecated, in knowledgebase order
    driver_genes: frozenset[str] = frozenset()  # genes with a driver entry

    def __post_init__(self) -> None:
        for gene in self.kb.genes:
            self.genes[gene.symbol] = gene
            chrom, start, end = _half_open(getattr(gene.location, self.build))
            self._all_intervals.setdefault(chrom, []).append((start, end, gene.symbol))
            if not gene.fusion_partner_only:
                self._gene_intervals.setdefault(chrom, []).append((start, end, gene.symbol))
            for codon in gene.codons:
                first = getattr(codon, self.build)
                site = CodonSite(gene, codon.number, codon.ref, first)
                for offset in range(3):
                    self._codons[(chrom, first + offset)] = site
            for name in (gene.symbol, *gene.aliases):
                self._symbols[name.upper()] = gene.symbol
        for intervals in (*self._gene_intervals.values(), *self._all_intervals.values()):
            intervals.sort()
        self._classes = {c.id: c for c in self.kb.drug_classes}
        self._drugs_by_id = {d.id: d for d in self.kb.drugs}
        self._alterations = {a.id: a for a in self.kb.alterations}
        self._references = {r.id: r for r in self.kb.references}
        self._by_gene = _alterations_by_gene(self.kb.alterations)
        self.driver_genes = frozenset(a.gene for a in self.kb.alterations if a.driver and a.gene and not a.deprecated)
        for drug in self.kb.drugs:
            for name in (drug.id, drug.name, *drug.synonyms):
                self._drug_names[_drug_key(name)] = drug

    # genes -------------------------------------------------------------------------------
    def genes_at(self, chrom: str, start: int, end: int, partners: bool = False) -> list[str]:
        """Knowledgebase genes overlapping the 0-based half-open interval on ``chrom`` (any naming).

        Fusion-partner-only genes count only with ``partners=True`` (placing SV breakpoints)."""
        table = self._all_intervals if partners else self._gene_intervals
        intervals = table.get(bare_contig(chrom), ())
        return [sym for s, e, sym in intervals if s < end and start < e]

    def scope_symbol(self, name: str) -> str | None:
        """Like :meth:`symbol`, but only for genes in variant/copy-number scope (not fusion-partner-only)."""
        gene = self.symbol(name)
        return gene if gene is not None and self.in_variant_scope(gene) else None

    def in_variant_scope(self, gene: str) -> bool:
        g = self.genes.get(gene)
        return g is not None and not g.fusion_partner_only

    def contig_windows(self) -> dict[str, list[tuple[int, int]]]:
        """Gene windows per bare contig (0-based half-open, as stored; overlapping ones are merged by the reader
        that pre-filters raw VCF lines, :func:`annotator.readers.vcf_scan.union`)."""
        return {chrom: [(s, e) for s, e, _ in ivs] for chrom, ivs in self._gene_intervals.items()}

    def symbol(self, name: str) -> str | None:
        """Current knowledgebase symbol for a gene name or alias (case-insensitive), else None."""
        return self._symbols.get(name.strip().upper())

    def codon_at(self, chrom: str, pos: int) -> CodonSite | None:
        return self._codons.get((bare_contig(chrom), pos))

    def exon_region(self, gene: str, number: int) -> tuple[str, int, int] | None:
        g = self.genes.get(gene)
        for exon in g.exons if g else ():
            if exon.number == number:
                return _half_open(getattr(exon, self.build))
        return None

    # plasma (issue 16) -------------------------------------------------------------------
    @property
    def plasma(self) -> PlasmaKnowledge:
        """plasma.yaml: CH genes and hotspots, germline counselling, the transformation signal's TP53 codons."""
        return self.kb.plasma

    def read_for(self, gene: str) -> list[str]:
        """Why ``gene`` is read beyond the resistance entries (genes.yaml ``read_for``); [] for any other gene."""
        g = self.genes.get(gene)
        return list(g.read_for) if g else []

    def ch_hotspot(self, gene: str, hgvsp: str) -> ChHotspot | None:
        """The CH-specific hotspot a one-letter protein change ("p.R882H") in ``gene`` is, else None."""
        return self.kb.plasma.ch_hotspot(gene, hgvsp)

    # drugs -------------------------------------------------------------------------------
    def drug(self, name: str) -> Drug | None:
        return self._drug_names.get(_drug_key(name))

    def allele_specific_drugs(self, alteration_ids: AbstractSet[str]) -> list[Drug]:
        """Drugs restricted to one of these alterations (KRAS G12C inhibitors for KRAS_G12C)."""
        return [d for d in self.kb.drugs if d.allele_specific in alteration_ids]

    def drug_class(self, class_id: str) -> DrugClass:
        """A class a drug or condition names (validation guarantees it exists)."""
        return self._classes[class_id]

    def drug_by_id(self, drug_id: str) -> Drug:
        """A drug a regimen, trial or condition names by id (validation guarantees it exists)."""
        return self._drugs_by_id[drug_id]

    def newest_generation(self, gene: str) -> int:
        """The highest TKI generation any knowledgebase drug has for ``gene`` (0: none numbered)."""
        return max((t.generation or 0 for d in self.kb.drugs for t in d.tki_for if t.gene == gene), default=0)

    def reference(self, ref_id: str) -> Reference:
        """A reference an entry cites (validation guarantees it exists)."""
        return self._references[ref_id]

    # alterations ------------------------------------------------------------------------
    def alteration(self, alteration_id: str) -> KbAlteration:
        """An alteration an entry names (validation guarantees it exists)."""
        return self._alterations[alteration_id]

    def alterations_for_gene(self, gene: str) -> list[KbAlteration]:
        """The gene's alterations that are not deprecated, in knowledgebase order (a new list each time)."""
        return list(self._by_gene.get(gene, ()))


def _alterations_by_gene(alterations: list[KbAlteration]) -> dict[str | None, list[KbAlteration]]:
    by_gene: dict[str | None, list[KbAlteration]] = {}
    for alteration in alterations:
        if not alteration.deprecated:
            by_gene.setdefault(alteration.gene, []).append(alteration)
    return by_gene


def _drug_key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


_INDEXES: dict[tuple[int, str], KbIndex] = {}


def _known_build(name: str) -> Build:
    """``name`` as one of the builds the knowledgebase places genes on (``genome`` parsed it; anything else is a bug)."""
    for build in BUILDS:
        if build == name:
            return build
    raise ValueError(f"the knowledgebase has no coordinates on build {name!r}; it has {', '.join(BUILDS)}")


def kb_index(kb: Knowledgebase, build: str) -> KbIndex:
    """The index of ``kb`` for ``build``, built once per process (batch workers reuse it)."""
    key = (id(kb), build)
    index = _INDEXES.get(key)
    if index is None or index.kb is not kb:
        index = _INDEXES[key] = KbIndex(kb, _known_build(build))
    return index
