"""Read MAF files as vcf2maf and cBioPortal write them, accepted wherever a VCF is.

MAF coordinates are 1-based; deletions give the first deleted base as ``Start_Position`` and
``-`` as the tumor allele, insertions ``-`` as the reference allele. Positions and alleles are
kept as written; matching understands ``-``. VAF = t_alt_count / (t_ref_count + t_alt_count);
depth = t_depth, else that sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import InputError
from annotator.genome import parse_build
from annotator.kb.index import KbIndex
from annotator.models import Counts, InputFile, Observation, ProteinChange, ReadResult, SmallVariant
from annotator.normalize import short_hgvsp, variant_type
from annotator.readers.common import NON_CODING_REASON, file_sha256, non_coding, read_tsv
from annotator.readers.vcf import codon_protein

_MAF_TYPES = {"SNP": "snv", "DNP": "mnv", "TNP": "mnv", "ONP": "mnv", "INS": "insertion", "DEL": "deletion"}
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
            build = parse_build(raw if not raw.isdigit() else f"GRCh{raw}")
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


def read_maf(header: MafHeader, index: KbIndex, tumor_sample: str | None, include_filtered: bool,
             known: Callable[[Observation], bool] | None = None) -> ReadResult:
    """The rows of one tumor sample in knowledgebase genes. With ``known`` (whether the knowledgebase names an
    alteration; see :class:`annotator.readers.vcf.VcfOptions`), rows whose ``Consequence`` (vcf2maf: VEP terms)
    or ``Variant_Classification`` says non-coding (Intron, UTR, flanks, IGR, RNA) are counted under
    ``skipped_reasons`` unless the knowledgebase names them."""
    path = header.path
    if tumor_sample is None:
        if len(header.samples) > 1:
            raise InputError(f"several tumor samples; use --tumor-sample with one of: {', '.join(header.samples)}", path)
        tumor_sample = header.samples[0] if header.samples else None
    elif tumor_sample not in header.samples:
        raise InputError(f"sample {tumor_sample!r} is not in Tumor_Sample_Barcode (found: {', '.join(header.samples)})", path)
    counts = dict(records_read=0, passed_filters=0, filtered=0, outside_knowledgebase_genes=0, skipped=0)
    reasons: dict[str, int] = {}
    alterations: list[Observation] = []
    for line, row in read_tsv(path, REQUIRED):
        if row["tumor_sample_barcode"] != tumor_sample:
            continue
        counts["records_read"] += 1
        pos = _int(row, "start_position", path, line)
        if pos is not None and pos < 1:
            raise InputError(f"Start_Position {row['start_position']!r} is not a positive integer", path, line)
        if pos is None:
            # Protein-level rows (OncoKB style: gene and HGVSp_Short, no coordinates) still count.
            protein = short_hgvsp(row.get("hgvsp_short")) or short_hgvsp(row.get("hgvsp"))
            gene = index.scope_symbol(row["hugo_symbol"])
            if protein is None or gene is None:
                counts["outside_knowledgebase_genes" if protein else "skipped"] += 1
                continue
            counts["passed_filters"] += 1
            alterations.append(ProteinChange(gene=gene, type=_MAF_TYPES.get((row.get("variant_type") or "").upper(), "snv"),
                                             source=path.name, hgvsp=protein, protein_source="MAF HGVSp (no coordinates)"))
            continue
        filt = row.get("filter") or "PASS"
        filt = "PASS" if filt in (".", "PASS") else filt
        if filt != "PASS":
            counts["filtered"] += 1
            if not include_filtered:
                continue
        else:
            counts["passed_filters"] += 1
        chrom, ref, alt = row["chromosome"], row["reference_allele"], row["tumor_seq_allele2"]
        gene = index.scope_symbol(row["hugo_symbol"])
        if gene is None:
            overlapping = index.genes_at(chrom, pos - 1, pos - 1 + max(1, len(ref.strip("-"))))
            gene = overlapping[0] if overlapping else None
        if gene is None:
            counts["outside_knowledgebase_genes"] += 1
            continue
        t_ref, t_alt, t_depth = (_int(row, k, path, line) for k in ("t_ref_count", "t_alt_count", "t_depth"))
        total = (t_ref or 0) + (t_alt or 0) if t_alt is not None else None
        vaf = round(t_alt / total, 6) if t_alt is not None and total else None
        hgvsp = short_hgvsp(row.get("hgvsp_short")) or short_hgvsp(row.get("hgvsp"))
        notes: tuple[str, ...] = ()
        table = codon_protein(index, chrom, pos, ref, alt)
        isoform = _other_isoform(row.get("transcript_id"), index.genes[gene].transcript)
        if isoform and hgvsp:
            # Numbered on another isoform (MET p.D1246N on ENST00000318493 is D1228N on the knowledgebase's): only the
            # knowledgebase's own codon table can name it, else it is not matched at protein level.
            notes = (f"MAF's {hgvsp} is numbered on {isoform}, not the knowledgebase transcript "
                     f"{index.genes[gene].transcript}: {'read as ' + table if table else 'not used for matching'}",)
            hgvsp = None
        elif table and hgvsp and table != hgvsp:
            notes = (f"MAF says {hgvsp}; knowledgebase codon table says {table}",)
        hgvsc = row.get("hgvsc") or None
        alteration = SmallVariant(
            gene=gene, type=variant_type(ref, alt), source=path.name, chrom=chrom, pos=pos, ref=ref, alt=alt,
            hgvsp=hgvsp or table, hgvsc=hgvsc.rsplit(":", 1)[-1] if hgvsc else None,
            transcript=row.get("transcript_id") or None,
            protein_source="MAF HGVSp" if hgvsp else ("knowledgebase codon table" if table else None),
            vaf=vaf, depth=t_depth if t_depth is not None else total, filter=filt, notes=notes,
        )
        terms = (row.get("consequence") or "").split("&") if row.get("consequence") else [row.get("variant_classification") or ""]
        if known is not None and non_coding(terms) and not known(alteration):
            counts["skipped"] += 1
            reasons[NON_CODING_REASON] = reasons.get(NON_CODING_REASON, 0) + 1
            continue
        alterations.append(alteration)
    return ReadResult(
        input=InputFile(role="maf", file=path.name, sha256=file_sha256(path), format="MAF",
                        vaf_rule="t_alt_count / (t_ref_count + t_alt_count)", tumor_sample=tumor_sample),
        alterations=tuple(alterations),
        counts=Counts(**counts, skipped_reasons=reasons),
        sample_name=tumor_sample,
    )


def _other_isoform(row_transcript: str | None, kb_transcript: str | None) -> str | None:
    """The row's transcript when it is not the knowledgebase's (versions ignored), else None."""
    if not row_transcript or not kb_transcript:
        return None
    row_id = row_transcript.strip().split(".")[0]
    return row_transcript.strip() if row_id.startswith("ENST") and row_id != kb_transcript.split(".")[0] else None
