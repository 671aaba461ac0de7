"""Annotate every sample of a sample sheet, in parallel, one bad sample never stopping the others.

Each sample's reports are written atomically (annotator.output); a failing sample is recorded with
its one-line error in ``DIR/batch_status.tsv``. Workers are forked after the knowledgebase is loaded,
so it is parsed once for the whole run; templates load once per worker.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from annotator.config import CallThresholds, CnvThresholds, RunConfig
from annotator.errors import AnnotatorError
from annotator.samplesheet import SampleRow

STATUS_FILE = "batch_status.tsv"


@dataclass(frozen=True)
class BatchOptions:
    outdir: Path
    formats: tuple[str, ...]
    kb_dir: str | None = None
    jobs: int = 1
    resume: bool = False
    cnv: CnvThresholds = CnvThresholds()
    calls: CallThresholds = CallThresholds()
    write_status: bool = True


@dataclass(frozen=True)
class Outcome:
    sample_id: str
    status: str  # ok | failed | skipped (resume: outputs complete and newer than inputs)
    message: str
    seconds: float
    outputs: tuple[str, ...] = ()


def row_config(row: SampleRow, options: BatchOptions) -> RunConfig:
    o = row.options
    return RunConfig(
        genome=o.get("genome"), tumor_sample=o.get("tumor_sample"), include_filtered=o.get("include_filtered", False),
        reference=o.get("reference"), tumor_fraction=o.get("tumor_fraction"), tumor_fraction_file=o.get("tumor_fraction_file"),
        ploidy=o.get("ploidy"), cnv_format=o.get("cnv_format"), formats=options.formats, cnv=options.cnv, calls=options.calls,
    )


def output_paths(row: SampleRow, options: BatchOptions) -> list[Path]:
    from annotator.pipeline import safe_file_stem

    return [options.outdir / f"{safe_file_stem(row.sample_id)}.{fmt}" for fmt in options.formats]


def up_to_date(row: SampleRow, options: BatchOptions) -> bool:
    outputs = output_paths(row, options)
    if not all(p.is_file() for p in outputs):
        return False
    newest_input = max(p.stat().st_mtime for p in row.input_paths())
    return min(p.stat().st_mtime for p in outputs) >= newest_input


def annotate_row(row: SampleRow, options: BatchOptions) -> Outcome:
    """One sample, start to finish; every failure becomes an Outcome, never an exception."""
    from annotator.copynumber import parse_tumor_fraction
    from annotator.kb.load import get_knowledgebase
    from annotator.output import write_reports
    from annotator.pipeline import SampleInputs, annotate_sample, safe_file_stem

    start = time.perf_counter()
    if options.resume and up_to_date(row, options):
        return Outcome(row.sample_id, "skipped", "outputs complete and newer than inputs", 0.0)
    try:
        if row.options.get("tumor_fraction") is not None:
            parse_tumor_fraction(row.options["tumor_fraction"], "tumor_fraction")
        kb = get_knowledgebase(options.kb_dir)
        inputs = SampleInputs(
            vcfs=row.vcf, cnv=row.cnv, fusions=row.fusions, sample_id=row.sample_id,
            tumor_type=row.options.get("tumor_type", "NSCLC"), prior_therapies=row.prior_therapy, driver=row.options.get("driver"),
        )
        report = annotate_sample(inputs, row_config(row, options), kb)
        written = write_reports(report, options.outdir, safe_file_stem(report.sample.id), options.formats)
        return Outcome(row.sample_id, "ok", f"{len(report.findings)} finding(s)", time.perf_counter() - start,
                       tuple(p.name for p in written))
    except AnnotatorError as exc:
        return Outcome(row.sample_id, "failed", exc.format_message(), time.perf_counter() - start)
    except Exception as exc:  # a bug or an unforeseen input: recorded, the batch goes on
        return Outcome(row.sample_id, "failed", f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}",
                       time.perf_counter() - start)


def _warm(kb_dir: str | None, formats: tuple[str, ...]) -> None:
    """Load what every sample needs, once, before the workers fork (they inherit it)."""
    from annotator.kb.load import get_knowledgebase
    from annotator.render import renderer

    get_knowledgebase(kb_dir)
    for fmt in formats:
        renderer(fmt)
    if "html" in formats or "pdf" in formats:
        from annotator.render.html import environment

        environment().get_template("report.html.j2")


def run_batch(rows: list[SampleRow], options: BatchOptions, report=None) -> list[Outcome]:
    """Annotate ``rows``; ``report(outcome, done, total)`` is called as each sample finishes."""
    options.outdir.mkdir(parents=True, exist_ok=True)
    _warm(options.kb_dir, options.formats)
    outcomes: list[Outcome] = []
    total = len(rows)
    if options.jobs <= 1 or total <= 1:
        for row in rows:
            outcomes.append(annotate_row(row, options))
            if report:
                report(outcomes[-1], len(outcomes), total)
    else:
        import multiprocessing

        context = multiprocessing.get_context("fork") if sys.platform != "win32" else None
        with ProcessPoolExecutor(max_workers=options.jobs, mp_context=context) as pool:
            futures = {pool.submit(annotate_row, row, options): row for row in rows}
            for future in as_completed(futures):
                outcomes.append(future.result())
                if report:
                    report(outcomes[-1], len(outcomes), total)
    order = {row.sample_id: i for i, row in enumerate(rows)}
    outcomes.sort(key=lambda o: order[o.sample_id])
    if options.write_status:
        write_status(outcomes, options.outdir)
    return outcomes


def write_status(outcomes: list[Outcome], outdir: Path) -> Path:
    """Merge this run's outcomes into DIR/batch_status.tsv (a resumed run keeps earlier results)."""
    path = outdir / STATUS_FILE
    previous: dict[str, list[str]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            cells = line.split("\t")
            if cells and cells[0]:
                previous[cells[0]] = cells
    for o in outcomes:
        if o.status == "skipped" and o.sample_id in previous:
            continue
        previous[o.sample_id] = [o.sample_id, o.status, o.message.replace("\t", " "), f"{o.seconds:.3f}", ";".join(o.outputs)]
    text = "sample_id\tstatus\tmessage\tseconds\toutputs\n" + "".join("\t".join(c) + "\n" for c in previous.values())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_status(outdir: Path) -> dict[str, tuple[str, str]]:
    path = outdir / STATUS_FILE
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) >= 3:
            out[cells[0]] = (cells[1], cells[2])
    return out
