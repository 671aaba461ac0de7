"""The read loop: the records of one file in knowledgebase gene windows, turned into observations.

Only records in windows are parsed (see :mod:`annotator.readers.vcf_scan`): the knowledgebase genes and,
with a panel BED, its targets, whose records outside every gene become background variants (kept aside
by the loop for the tumor-fraction estimate, never observations). A source reaches
them and yields each with its place: :class:`IndexedRegions` by region when the file has a valid
index, else :class:`TextStream` (text files through a line pre-filter) or :class:`BcfStream` (BCF
files record by record). Each source counts what it reads; one loop (:class:`VcfReading`) counts the
rest the same way on every path (:class:`Tally`), yields the alterations, and names a failure at its
record in one place. A stale index is found before anything is read; a fresh reading then streams.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, NamedTuple, Protocol

from annotator.errors import InputError
from annotator.models import SmallVariant
from annotator.readers import vcf_scan
from annotator.readers.htslib import HtslibMessages
from annotator.readers.vcf.cells import Record, VcfFile
from annotator.readers.vcf.diagnose import diagnose, htslib_reason, short
from annotator.readers.vcf.header import VcfHeader
from annotator.readers.vcf.records import RecordProblem, RecordReader, Site
from annotator.readers.vcf.tally import Tally


class Placed(NamedTuple):
    """A record in a gene window and its place, as an error names it."""

    record: Record
    where: str  # 'line 42' (text), 'record 3 (7:55259515)' (BCF streamed), 'record 7:55259515' (indexed)
    line: int | None = None  # its line in the user's file, when the source knows it (text files)


class StaleIndex(Exception):
    """The index beside the file does not match it (why, as the warning says it); nothing was read."""


class RecordSource(Protocol):
    """One way to reach the records of a file in gene windows."""

    mode: ClassVar[str]  # how the input's format names the way it was read

    def records(self, tally: Tally) -> Generator[Placed, None, None]:
        """The records in windows; every record read is counted, those outside windows as outside."""
        ...

    def failure(self, exc: Exception, why: str) -> InputError | None:
        """The error for ``exc`` (``why``: htslib's reason) while the record last yielded, or the next one,
        was read; None when it is no record's failure (it is raised as it is)."""
        ...


@dataclass
class TextStream:
    """A text VCF: pre-filtered line by line, the lines in windows parsed by cyvcf2."""

    mode: ClassVar[str] = "streamed"
    path: Path
    header: VcfHeader
    windows: vcf_scan.Windows
    _kept: Path | None = field(default=None, init=False)  # the pre-filtered file cyvcf2 reads
    _lines: list[int] | None = field(default=None, init=False)  # the user's line number of each record in it; None before pre-filtering
    _done: int = field(default=0, init=False)  # records whose alterations were all taken: a failure is at the next one

    def records(self, tally: Tally) -> Generator[Placed, None, None]:
        import cyvcf2  # imported here: only VCF inputs need it

        kept, lines, outside = vcf_scan.prefilter(self.path, self.header.header_lines, self.windows)
        self._kept, self._lines = kept, lines
        tally.read += outside.read
        tally.outside += outside.read
        tally.contigs |= outside.contigs
        try:
            vcf = cyvcf2.VCF(str(kept))
            try:
                for rec in vcf:
                    tally.read += 1
                    tally.contigs.add(rec.CHROM)
                    line = lines[self._done]
                    yield Placed(rec, f"line {line}", line)
                    self._done += 1
            finally:
                vcf.close()
        finally:
            kept.unlink(missing_ok=True)

    def failure(self, exc: Exception, why: str) -> InputError | None:
        if self._lines is None:
            return None  # the pre-filter's own errors name their line already
        line = self._lines[self._done] if self._done < len(self._lines) else None
        if line:  # htslib refused a record: name its line in the user's file
            return InputError(diagnose(self.path, line, why), self.path, line)
        return InputError(f"cannot read VCF ({short(exc, self._kept, self.path)})", self.path, line)


@dataclass
class BcfStream:
    """A BCF without a usable index: every record decoded by htslib, those outside windows only counted."""

    mode: ClassVar[str] = "streamed"
    path: Path
    windows: vcf_scan.Windows
    _last: str = field(default="the first record", init=False)  # the record last decoded

    def records(self, tally: Tally) -> Generator[Placed, None, None]:
        import cyvcf2

        vcf = cyvcf2.VCF(str(self.path))
        try:
            for n, rec in enumerate(vcf, start=1):
                tally.read += 1
                tally.contigs.add(rec.CHROM)
                self._last = f"record {n} ({rec.CHROM}:{rec.POS})"
                if self.windows.hits(rec.CHROM, rec.POS, len(rec.REF)):
                    yield Placed(rec, self._last)
                else:
                    tally.outside += 1
        finally:
            vcf.close()

    def failure(self, exc: Exception, why: str) -> InputError:
        return InputError(f"record after {self._last} could not be decoded ({why})", self.path)


@dataclass
class IndexedRegions:
    """Records read by region through the index; :class:`StaleIndex` (before any record) when it does not match."""

    mode: ClassVar[str] = "indexed, by region"
    path: Path
    header: VcfHeader
    windows: vcf_scan.Windows
    _last: str = field(default="the first record", init=False)  # CHROM:POS of the record last read

    def records(self, tally: Tally) -> Generator[Placed, None, None]:
        import cyvcf2

        vcf = cyvcf2.VCF(str(self.path))
        try:
            verdict = vcf_scan.check_index(vcf, self.path, self.header)
            if verdict.problem:
                raise StaleIndex(verdict.problem)
            total = verdict.records if verdict.records is not None else vcf.num_records  # htslib would load the index again
            tally.contigs |= set(vcf.seqnames)
            for rec in _in_windows(vcf, self.windows):
                self._last = f"{rec.CHROM}:{rec.POS}"
                tally.read += 1
                yield Placed(rec, f"record {self._last}")
        finally:
            vcf.close()
        outside = max(0, total - tally.read)  # the index counts them; they were never decoded
        tally.read += outside
        tally.outside += outside

    def failure(self, exc: Exception, why: str) -> InputError:
        return InputError(f"record after {self._last} could not be parsed ({why})", self.path)


@dataclass(frozen=True, kw_only=True)
class ReadContext:
    """What every reading of one file shares: the file, its record reader, the gene windows, htslib's messages."""

    path: Path
    records: RecordReader
    windows: vcf_scan.Windows
    htslib: HtslibMessages  # what htslib has said so far while reading


class Read(NamedTuple):
    """What reading one file produced."""

    alterations: tuple[SmallVariant, ...]
    tally: Tally
    warnings: list[str]
    mode: str  # how it was read ("indexed, by region" or "streamed")
    background: tuple[SmallVariant, ...] = ()  # in panel targets outside knowledgebase genes (--panel-bed)


@dataclass
class VcfReading:
    """One attempt at reading a file through one source; it owns the tally of what it read."""

    context: ReadContext
    source: RecordSource
    tally: Tally = field(default_factory=Tally, init=False)
    background: list[SmallVariant] = field(default_factory=list, init=False)  # panel-target variants outside the genes
    _placed: Placed | None = field(default=None, init=False)  # the record whose alterations are being taken

    def observations(self) -> Iterator[SmallVariant]:
        """The alterations of the records in knowledgebase genes, in file (or region) order."""
        records = self.source.records(self.tally)
        with closing(records), self._failures_named():
            for placed in records:
                self._placed = placed
                yield from self._observe(placed.record)

    def _observe(self, rec: Record) -> Iterator[SmallVariant]:
        """One record inside a window (already counted as read): its alterations when it lies in a knowledgebase
        gene; else, in a panel target, its background variants (kept aside, see :attr:`background`)."""
        filt = rec.FILTER
        reader = self.context.records
        genes = reader.index.genes_at(rec.CHROM, rec.start, rec.end)
        if not genes:
            self.tally.outside += 1
            self._background(rec, filt)
            return
        if filt is not None:
            self.tally.filtered += 1
            if not reader.options.include_filtered:
                return
        else:
            self.tally.passed += 1
        yield from reader.alterations(Site(rec, genes, filt), self.tally)

    def _background(self, rec: Record, filt: str | None) -> None:
        """A record outside every knowledgebase gene: its alleles as background variants when it lies in a panel
        target (PASS only unless filtered records are included), named after the first target's name."""
        reader = self.context.records
        panel = reader.options.panel
        targets = panel.targets_overlapping(rec.CHROM, rec.start, rec.end) if panel is not None else []
        if not targets:
            return
        self.tally.in_panel += 1
        if filt is not None and not reader.options.include_filtered:
            return
        found = list(reader.background(rec, filt, next((t.name for t in targets if t.name), "")))
        self.tally.background += len(found)
        self.background.extend(found)

    @contextmanager
    def _failures_named(self) -> Iterator[None]:
        """Every failure while reading becomes a user's error naming its record; errors that already say
        what they mean pass through."""
        try:
            yield
        except RecordProblem as problem:
            raise self._at_record(str(problem)) from None
        except (InputError, StaleIndex):
            raise
        except Exception as exc:
            error = self.source.failure(exc, htslib_reason(self.context.htslib(), exc))
            if error is None:
                raise
            raise error from None

    def _at_record(self, problem: str) -> InputError:
        """A record that breaks its own header: named by its line when the source knows it, else by its place."""
        placed = self._placed
        if placed is not None and placed.line is not None:
            return InputError(problem, self.context.path, placed.line)
        where = placed.where if placed is not None else "the first record"
        return InputError(f"{where}: {problem}", self.context.path)

    def read(self, warnings: list[str]) -> Read:
        alterations = tuple(self.observations())
        return Read(alterations, self.tally, warnings, self.source.mode, tuple(self.background))


def read_records(context: ReadContext, try_index: bool) -> Read:
    """Read by index when asked and the index matches the file, else streamed. A stale index is said in a
    warning and a fresh reading streams the file from the start."""
    path, header, windows = context.path, context.records.header, context.windows
    warnings: list[str] = []
    if try_index:
        try:
            return VcfReading(context, IndexedRegions(path, header, windows)).read(warnings)
        except StaleIndex as stale:
            warnings.append(f"{path.name}: {stale}; the file was read in full instead")
    source: RecordSource = BcfStream(path, windows) if header.kind == "bcf" else TextStream(path, header, windows)
    return VcfReading(context, source).read(warnings)


def _in_windows(vcf: VcfFile, windows: vcf_scan.Windows) -> Iterator[Record]:
    """The records of every window, each once: one that overlapped the previous window too was read there."""
    previous_end: tuple[str, int] | None = None  # (contig, 0-based end) of the previous window
    for contig, start0, end0 in vcf_scan.regions(windows, list(vcf.seqnames)):
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
