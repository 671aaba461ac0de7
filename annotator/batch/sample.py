"""One sample of a batch, start to finish, in a worker process: every failure becomes an Outcome."""

from __future__ import annotations

import time

from annotator.batch.model import BatchOptions, Outcome
from annotator.config import RunConfig
from annotator.errors import AnnotatorError
from annotator.pipeline import SampleInputs, annotate_sample, safe_file_stem
from annotator.samplesheet import SampleRow


def row_config(row: SampleRow, options: BatchOptions) -> RunConfig:
    """The row's validated options with the run's formats and thresholds."""
    return RunConfig.for_sample(row.options, options.formats, options.cnv, options.calls, options.plasma, options.assay)


def annotate_row(row: SampleRow, options: BatchOptions, print_: str = "") -> Outcome:
    """One sample, start to finish; every failure becomes an Outcome, never an exception."""
    from annotator.kb.load import get_knowledgebase
    from annotator.output import write_reports

    start = time.perf_counter()
    try:
        kb = get_knowledgebase(options.kb_dir)
        config = row_config(row, options)
        unknown_tumor_type = config.tumor_type_problem(kb)  # the command checks every row first; callers of run_batch may not
        if unknown_tumor_type:
            raise AnnotatorError(unknown_tumor_type)
        inputs = SampleInputs(
            vcfs=row.vcf, cnv=row.cnv, fusions=row.fusions, sample_id=row.sample_id,
            prior_therapies=row.prior_therapy, driver=row.driver, wbc_vcf=row.wbc_vcf, panel_bed=row.panel_bed,
            coverage=row.coverage,
        )
        report = annotate_sample(inputs, config, kb)
        written = write_reports(report, options.outdir, safe_file_stem(row.sample_id), options.formats)
        return Outcome(row.sample_id, "ok", f"{len(report.findings)} finding(s)", time.perf_counter() - start,
                       tuple(p.name for p in written), print_)
    except AnnotatorError as exc:
        return Outcome(row.sample_id, "failed", exc.format_message(), time.perf_counter() - start, (), print_)
    except Exception as exc:  # a bug or an unforeseen input: recorded, the batch goes on
        return Outcome(row.sample_id, "failed", f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}",
                       time.perf_counter() - start, (), print_)
