"""The read loop: which records of one file cyvcf2 parses, and how a failure names its place.

Only records in knowledgebase gene windows are parsed (see :mod:`annotator.readers.vcf_scan`): by
index when the file has a valid one, else streamed (text files through a line pre-filter, BCF files
record by record). Every path counts the same way (:class:`Tally`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import InputError
from annotator.models import SmallVariant
from annotator.readers import vcf_scan
from annotator.readers.htslib import HtslibMessages
from annotator.readers.vcf.cells import Record, VcfFile
from annotator.readers.vcf.diagnose import diagnose, htslib_reason, short
from annotator.readers.vcf.records import RecordProblem, RecordReader
from annotator.readers.vcf.tally import Tally


@dataclass
class VcfReading:
    """One file's reading: the record reader (fixed context) and what the reading produced."""

    path: Path
    records: RecordReader
    windows: vcf_scan.Windows
    htslib: HtslibMessages  # what htslib has said so far while reading
    alterations: list[SmallVariant] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def tally(self) -> Tally:
        return self.records.tally

    def why(self, exc: Exception) -> str:
        return htslib_reason(self.htslib(), exc)

    def read(self, try_index: bool) -> bool:
        """Read by index when asked and the index matches the file, else streamed; whether it was by index."""
        if try_index:
            if self.read_indexed():
                return True
            self.records.tally, self.alterations = Tally(), []  # an index that does not match the file: start again
        if self.records.header.kind == "bcf":
            self.read_bcf_streamed()
        else:
            self.read_text_streamed()
        return False

    def consume(self, rec: Record, where: str) -> None:
        """One record inside a knowledgebase gene window (already counted as read)."""
        filt = rec.FILTER
        genes = self.records.index.genes_at(rec.CHROM, rec.start, rec.end)
        if not genes:
            self.tally.outside += 1
            return
        if filt is not None:
            self.tally.filtered += 1
            if not self.records.options.include_filtered:
                return
        else:
            self.tally.passed += 1
        self.alterations += self.records.alterations(rec, genes, filt)

    def read_text_streamed(self) -> None:
        """A text VCF: pre-filtered line by line, the lines in windows parsed by cyvcf2."""
        import cyvcf2  # imported here: only VCF inputs need it

        path = self.path
        kept_path, kept_lines, outside = vcf_scan.prefilter(path, self.records.header.header_lines, self.windows)
        self.tally.read += outside.read
        self.tally.outside += outside.read
        self.tally.contigs |= outside.contigs
        done = 0
        try:
            vcf = cyvcf2.VCF(str(kept_path))
            try:
                for rec in vcf:
                    self.tally.read += 1
                    self.tally.contigs.add(rec.CHROM)
                    self.consume(rec, f"line {kept_lines[done]}")
                    done += 1
            finally:
                vcf.close()
        except RecordProblem as problem:
            raise InputError(str(problem), path, kept_lines[done]) from None
        except InputError:
            raise
        except Exception as exc:  # htslib refused a record: name its line in the user's file
            line = kept_lines[done] if done < len(kept_lines) else None
            raise InputError(diagnose(path, line, self.why(exc)) if line else f"cannot read VCF ({short(exc, kept_path, path)})", path, line) from None
        finally:
            kept_path.unlink(missing_ok=True)

    def read_bcf_streamed(self) -> None:
        """A BCF without a usable index: every record decoded by htslib, those outside windows only counted."""
        import cyvcf2

        last = "the first record"
        try:
            vcf = cyvcf2.VCF(str(self.path))
            try:
                for n, rec in enumerate(vcf, start=1):
                    self.tally.read += 1
                    self.tally.contigs.add(rec.CHROM)
                    last = f"record {n} ({rec.CHROM}:{rec.POS})"
                    if self.windows.hits(rec.CHROM, rec.POS, len(rec.REF)):
                        self.consume(rec, last)
                    else:
                        self.tally.outside += 1
            finally:
                vcf.close()
        except RecordProblem as problem:
            raise InputError(f"{last}: {problem}", self.path) from None
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"record after {last} could not be decoded ({self.why(exc)})", self.path) from None

    def read_indexed(self) -> bool:
        """Read by region through the index; False (nothing read) when the index does not match the file."""
        import cyvcf2

        path = self.path
        last = "the first record"
        try:
            vcf = cyvcf2.VCF(str(path))
            try:
                problem = vcf_scan.index_problem(vcf, path, self.records.header)
                if problem:
                    self.warnings.append(f"{path.name}: {problem}; the file was read in full instead")
                    return False
                total = vcf.num_records
                self.tally.contigs |= set(vcf.seqnames)
                for rec in self._in_windows(vcf):
                    last = f"{rec.CHROM}:{rec.POS}"
                    self.tally.read += 1
                    self.consume(rec, f"record {last}")
            finally:
                vcf.close()
        except RecordProblem as problem:
            raise InputError(f"record {last}: {problem}", path) from None
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"record after {last} could not be parsed ({self.why(exc)})", path) from None
        outside = max(0, total - self.tally.read)
        self.tally.read += outside
        self.tally.outside += outside
        return True

    def _in_windows(self, vcf: VcfFile) -> Iterator[Record]:
        """The records of every window, each once: one that overlapped the previous window too was read there."""
        previous_end: tuple[str, int] | None = None  # (contig, 0-based end) of the previous window
        for contig, start0, end0 in vcf_scan.regions(self.windows, list(vcf.seqnames)):
            for rec in _query(vcf, f"{contig}:{start0 + 1}-{end0}"):
                if previous_end and previous_end[0] == contig and rec.start < previous_end[1]:
                    continue  # it overlapped the previous window too and was read there (not a same-site twin)
                yield rec
            previous_end = (contig, end0)


def _query(vcf: VcfFile, region: str) -> Iterator[Record]:
    """Records in ``region``; a contig the index has no records for yields nothing (cyvcf2 raises)."""
    try:
        yield from vcf(region)
    except Exception as exc:
        if "no intervals found" not in str(exc):
            raise
