"""Read MAF files as vcf2maf and cBioPortal write them, accepted wherever a VCF is.

MAF coordinates are 1-based; deletions give the first deleted base as ``Start_Position`` and
``-`` as the tumor allele, insertions ``-`` as the reference allele. Positions and alleles are
kept as written; matching understands ``-``. VAF = t_alt_count / (t_ref_count + t_alt_count);
depth = t_depth, else that sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import InputError
from annotator.genome import parse_build
from annotator.kb.index import KbIndex
from annotator.models import (
    Counts,
    InputFile,
    Observation,
    ProteinChange,
    ReadResult,
    SmallVariant,
    SmallVariantType,
)
from annotator.normalize import short_hgvsp, variant_type
from annotator.readers.annotation_terms import split_terms, strip_transcript, transcript_id
from annotator.readers.codons import Protein, codon_protein, protein_call
from annotator.readers.common import NON_CODING_REASON, ascii_digits, file_sha256, non_coding, read_tsv

_MAF_TYPES: dict[str, SmallVariantType] = {"SNP": "snv", "DNP": "mnv", "TNP": "mnv", "ONP": "mnv", "INS": "insertion", "DEL": "deletion"}
REQUIRED = ("hugo_symbol", "chromosome", "start_position", "reference_allele", "tumor_seq_allele2", "tumor_sample_barcode")


@dataclass
class MafHeader:
    path: Path
    samples: list[str]
    builds: set[str]

    def build_evidence(self) -> tuple[str | None, list[str]]:
        if len(self.builds) > 1:
            raise InputError(f"NCBI_Build has several values: {', '.join(sorted(self.builds))}", self.path)
        if not self.builds:
            return None, []
        raw = next(iter(self.builds))
        try:
            build = parse_build(raw if not ascii_digits(raw) else f"GRCh{raw}")
        except InputError:
            raise InputError(f"NCBI_Build {raw!r} is not GRCh37 or GRCh38", self.path) from None
        return build, [f"NCBI_Build {raw}"]


def looks_like_maf(path: Path) -> bool:
    """A tab-separated header naming Hugo_Symbol and Tumor_Sample_Barcode, in any column order."""
    try:
        with path.open(encoding="utf-8-sig") as fh:
            for line in fh:
                if line.startswith("#") or not line.strip():
                    continue
                columns = {c.strip().lower() for c in line.split("\t")}
                return {"hugo_symbol", "tumor_sample_barcode"} <= columns
    except (UnicodeDecodeError, OSError):
        return False
    return False


def read_maf_header(path: str | Path) -> MafHeader:
    path = Path(path)
    samples: dict[str, None] = {}
    builds: set[str] = set()
    for _, row in read_tsv(path, REQUIRED):
        samples.setdefault(row["tumor_sample_barcode"], None)
        if row.get("ncbi_build"):
            builds.add(row["ncbi_build"])
    return MafHeader(path, list(samples), builds)


def _int(row: dict[str, str], key: str, path: Path, line: int) -> int | None:
    raw = row.get(key, "")
    if raw in ("", ".", "NA", "None"):
        return None
    try:
        return int(float(raw))
    except ValueError:
        raise InputError(f"{key} {raw!r} is not a number", path, line) from None


def _tumor_sample(header: MafHeader, tumor_sample: str | None) -> str | None:
    """The Tumor_Sample_Barcode to read: the one asked for, else the only one."""
    if tumor_sample is None:
        if len(header.samples) > 1:
            raise InputError(f"several tumor samples; use --tumor-sample with one of: {', '.join(header.samples)}", header.path)
        return header.samples[0] if header.samples else None
    if tumor_sample not in header.samples:
        raise InputError(f"sample {tumor_sample!r} is not in Tumor_Sample_Barcode (found: {', '.join(header.samples)})", header.path)
    return tumor_sample


@dataclass
class _MafTally:
    """Where each row of the tumor sample went; becomes :class:`Counts`."""

    records_read: int = 0
    passed_filters: int = 0
    filtered: int = 0
    outside_knowledgebase_genes: int = 0
    skipped: int = 0  # includes protein-level rows without a usable protein change (no reason recorded)
    reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def counts(self) -> Counts:
        return Counts(records_read=self.records_read, passed_filters=self.passed_filters, filtered=self.filtered,
                      outside_knowledgebase_genes=self.outside_knowledgebase_genes, skipped=self.skipped,
                      skipped_reasons=self.reasons)


@dataclass
class _MafRows:
    """The rows of one tumor sample, read against the knowledgebase; what is not used is counted."""

    path: Path
    index: KbIndex
    include_filtered: bool
    known: Callable[[Observation], bool] | None
    tally: _MafTally = field(default_factory=_MafTally)

    def observation(self, line: int, row: dict[str, str]) -> Observation | None:
        self.tally.records_read += 1
        pos = _int(row, "start_position", self.path, line)
        if pos is not None and pos < 1:
            raise InputError(f"Start_Position {row['start_position']!r} is not a positive integer", self.path, line)
        if pos is None:
            return self._protein_row(row)
        filt = row.get("filter") or "PASS"
        filt = "PASS" if filt in (".", "PASS") else filt
        if filt != "PASS":
            self.tally.filtered += 1
            if not self.include_filtered:
                return None
        else:
            self.tally.passed_filters += 1
        return self._genomic_row(line, row, pos, filt)

    def _protein_row(self, row: dict[str, str]) -> ProteinChange | None:
        """Protein-level rows (OncoKB style: gene and HGVSp_Short, no coordinates) still count."""
        protein = short_hgvsp(row.get("hgvsp_short")) or short_hgvsp(row.get("hgvsp"))
        gene = self.index.scope_symbol(row["hugo_symbol"])
        if protein is None or gene is None:
            if protein:
                self.tally.outside_knowledgebase_genes += 1
            else:
                self.tally.skipped += 1
            return None
        self.tally.passed_filters += 1
        return ProteinChange(gene=gene, type=_MAF_TYPES.get((row.get("variant_type") or "").upper(), "snv"),
                             source=self.path.name, hgvsp=protein, protein_source="MAF HGVSp (no coordinates)")

    def _gene(self, row: dict[str, str], pos: int) -> str | None:
        """Hugo_Symbol when the knowledgebase has it, else the knowledgebase gene at the position."""
        gene = self.index.scope_symbol(row["hugo_symbol"])
        if gene is None:
            ref = row["reference_allele"]
            overlapping = self.index.genes_at(row["chromosome"], pos - 1, pos - 1 + max(1, len(ref.strip("-"))))
            gene = overlapping[0] if overlapping else None
        return gene

    def _genomic_row(self, line: int, row: dict[str, str], pos: int, filt: str) -> SmallVariant | None:
        gene = self._gene(row, pos)
        if gene is None:
            self.tally.outside_knowledgebase_genes += 1
            return None
        chrom, ref, alt = row["chromosome"], row["reference_allele"], row["tumor_seq_allele2"]
        t_ref, t_alt, t_depth = (_int(row, k, self.path, line) for k in ("t_ref_count", "t_alt_count", "t_depth"))
        total = (t_ref or 0) + (t_alt or 0) if t_alt is not None else None
        vaf = round(t_alt / total, 6) if t_alt is not None and total else None
        protein = self._protein(row, gene, codon_protein(self.index, chrom, pos, ref, alt))
        alteration = SmallVariant(
            gene=gene, type=variant_type(ref, alt), source=self.path.name, chrom=chrom, pos=pos, ref=ref, alt=alt,
            hgvsp=protein.hgvsp, hgvsc=strip_transcript(row.get("hgvsc") or None),
            transcript=row.get("transcript_id") or None, protein_source=protein.source,
            vaf=vaf, depth=t_depth if t_depth is not None else total, filter=filt,
            notes=(protein.note,) if protein.note else (),
        )
        terms = split_terms(row["consequence"]) if row.get("consequence") else (row.get("variant_classification") or "",)
        if self.known is not None and non_coding(terms) and not self.known(alteration):
            self.tally.skip(NON_CODING_REASON)
            return None
        return alteration

    def _protein(self, row: dict[str, str], gene: str, table: str | None) -> Protein:
        hgvsp = short_hgvsp(row.get("hgvsp_short")) or short_hgvsp(row.get("hgvsp"))
        kb_transcript = self.index.genes[gene].transcript
        isoform = _other_isoform(row.get("transcript_id"), kb_transcript)
        if isoform and hgvsp:
            # Numbered on another isoform (MET p.D1246N on ENST00000318493 is D1228N on the knowledgebase's): only the
            # knowledgebase's own codon table can name it, else it is not matched at protein level.
            note = (f"MAF's {hgvsp} is numbered on {isoform}, not the knowledgebase transcript "
                    f"{kb_transcript}: {'read as ' + table if table else 'not used for matching'}")
            return protein_call(None, "MAF HGVSp", table, "MAF")._replace(note=note)
        return protein_call(hgvsp, "MAF HGVSp", table, "MAF")


def read_maf(header: MafHeader, index: KbIndex, tumor_sample: str | None, include_filtered: bool,
             known: Callable[[Observation], bool] | None = None) -> ReadResult:
    """The rows of one tumor sample in knowledgebase genes. With ``known`` (whether the knowledgebase names an
    alteration; see :class:`annotator.readers.vcf.VcfOptions`), rows whose ``Consequence`` (vcf2maf: VEP terms)
    or ``Variant_Classification`` says non-coding (Intron, UTR, flanks, IGR, RNA) are counted under
    ``skipped_reasons`` unless the knowledgebase names them."""
    path = header.path
    tumor_sample = _tumor_sample(header, tumor_sample)
    rows = _MafRows(path, index, include_filtered, known)
    alterations: list[Observation] = []
    for line, row in read_tsv(path, REQUIRED):
        if row["tumor_sample_barcode"] == tumor_sample and (observation := rows.observation(line, row)) is not None:
            alterations.append(observation)
    return ReadResult(
        input=InputFile(role="maf", file=path.name, sha256=file_sha256(path), format="MAF",
                        vaf_rule="t_alt_count / (t_ref_count + t_alt_count)", tumor_sample=tumor_sample),
        alterations=tuple(alterations),
        counts=rows.tally.counts(),
        sample_name=tumor_sample,
    )


def _other_isoform(row_transcript: str | None, kb_transcript: str | None) -> str | None:
    """The row's transcript when it is not the knowledgebase's (versions ignored), else None."""
    if not row_transcript or not kb_transcript:
        return None
    row_id = transcript_id(row_transcript.strip())
    return row_transcript.strip() if row_id.startswith("ENST") and row_id != transcript_id(kb_transcript) else None
