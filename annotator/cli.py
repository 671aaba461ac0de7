"""Command line: parse options, call one pipeline function, map errors to exit codes (2 = bad input)."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from annotator import __version__
from annotator.config import (
    DEFAULT_TUMOR_TYPE,
    AssayThresholds,
    CallThresholds,
    CnvThresholds,
    PlasmaThresholds,
    RunConfig,
    cli_name,
    tumor_type_problem,
    validate_options,
)
from annotator.errors import AnnotatorError, InputError, KnowledgebaseError

if TYPE_CHECKING:  # imported by the commands that need them: `--help` and `schema` stay quick
    from annotator.batch import BatchOptions, BatchResult, Outcome
    from annotator.kb.schema import Knowledgebase
    from annotator.samplesheet import SampleRow

_PATH = click.Path(path_type=Path)  # existence and kind are checked by the readers, with one-line errors
Thresholds = TypeVar("Thresholds", CnvThresholds, CallThresholds, PlasmaThresholds, AssayThresholds)


def _load_kb(kb_dir: Path | None) -> Knowledgebase:
    from annotator.kb.load import get_knowledgebase

    return get_knowledgebase(kb_dir)


def _thresholds(cls: type[Thresholds], path: Path | None) -> Thresholds:
    return cls.from_yaml(path) if path else cls()


_CONSOLE: dict[str, bool] = {"run": False}  # run() sets it: this process is the command, not a library's caller


@contextmanager
def _start_up() -> Iterator[None]:
    """Imports and the knowledgebase: long-lived objects and no garbage cycles, yet the cyclic collector walked
    them over and over (about a tenth of a one-sample run). It is off meanwhile; in the command's own process
    they are then frozen out of its way (``gc.freeze``) for the rest of the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _CONSOLE["run"]:
            gc.freeze()
        if enabled:
            gc.enable()


def _check_environment() -> None:
    """Environment settings every sample would trip over: refused once, before any work."""
    from annotator.report import source_date_epoch

    source_date_epoch()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="ctdna-annotator")
def main() -> None:
    """Annotate ctDNA results of TKI-treated NSCLC with bypass-resistance mechanisms,
    combination therapies and trials, and write tumor board reports (HTML, PDF, JSON).

    For research use and decision support by qualified professionals."""


@main.command()
@click.argument("vcf", nargs=-1, required=True, type=_PATH)
@click.option("--cnv", "cnv", multiple=True, type=_PATH, help="Copy-number calls, any supported format (CNVkit, GATK, PURPLE, PCGR, CNV VCF, gene tables...). Repeatable.")
@click.option("--fusions", multiple=True, type=_PATH, help="Fusion or SV calls, any supported format (Arriba, STAR-Fusion, FusionCatcher, LINX, SV VCF, gene5/gene3 table...). Repeatable.")
@click.option("--wbc-vcf", type=_PATH, help="Matched white-blood-cell (buffy coat) VCF/BCF: variants also in blood cells are evidence of clonal hematopoiesis or germline origin.")
@click.option("--sample-id", help="Sample id (default: the tumor sample's name unless generic, else the VCF file stem).")
@click.option("--tumor-type", help=f"One of the knowledgebase's tumor types, or a synonym (default: {DEFAULT_TUMOR_TYPE}).")
@click.option("--prior-therapy", "prior", multiple=True, help="Prior therapy (generic name), in order; the last is the most recent. Repeatable.")
@click.option("--driver", help='Known primary driver when not in plasma, e.g. "EGFR L858R".')
@click.option("--genome", help="GRCh37 or GRCh38 (hg19, b37, hg38 accepted). Default: from the VCF header.")
@click.option("--tumor-sample", help="Sample column of the tumor/plasma (default: ##tumor_sample, TUMOR, or the only one).")
@click.option("--include-filtered", is_flag=True, help="Keep non-PASS records, flagged as filtered.")
@click.option("--tumor-fraction", help="Tumor fraction of the plasma DNA, 0 to 1 (0: no tumor DNA detected).")
@click.option("--tumor-fraction-file", type=_PATH, help="ichorCNA params.txt to take the tumor fraction (and ploidy) from.")
@click.option("--ploidy", help="Tumor ploidy for the copy-number adjustment (default 2, or ichorCNA's).")
@click.option("--cnv-format", help="Copy-number format for every --cnv file (default: detected from each header).")
@click.option("--cnv-thresholds", type=_PATH, help="YAML overriding copy-number thresholds (see README).")
@click.option("--call-thresholds", type=_PATH, help="YAML overriding what caller verdicts need (0/0 genotypes with alt reads, fusion confidence and frame; see README).")
@click.option("--plasma-thresholds", type=_PATH, help="YAML overriding the plasma-origin thresholds (germline and CH flags, WBC presence, informative tumor fraction; see README).")
@click.option("--panel-bed", type=_PATH, help="The assay's targets (BED, 0-based; 4th column the target's name; gz ok): what a negative can mean, and background variants for the tumor fraction.")
@click.option("--coverage", type=_PATH, help="Depth per region: mosdepth regions.bed.gz, or a table with chrom/start/end/depth or target/depth (default: the assumed depth of --assay-thresholds).")
@click.option("--assay-thresholds", type=_PATH, help="YAML overriding the assay settings (assumed depth, detection limit, clonality, tumor-fraction confidence; see README).")
@click.option("--reference", type=_PATH, help="Genome FASTA (with .fai): REF checks and left-alignment of indels in knowledgebase genes.")
@click.option("--format", "formats", default="html,pdf,json", show_default=True, help="Comma-separated output formats.")
@click.option("--outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True)
@click.option("--kb", "kb_dir", type=click.Path(path_type=Path, file_okay=False), help="Use another knowledgebase directory (validated on load).")
def annotate(vcf: tuple[Path, ...], cnv: tuple[Path, ...], fusions: tuple[Path, ...], wbc_vcf: Path | None, sample_id: str | None,
             tumor_type: str | None, prior: tuple[str, ...], driver: str | None, genome: str | None, tumor_sample: str | None,
             include_filtered: bool, tumor_fraction: str | None, tumor_fraction_file: Path | None, ploidy: str | None,
             cnv_format: str | None, cnv_thresholds: Path | None, call_thresholds: Path | None, plasma_thresholds: Path | None,
             panel_bed: Path | None, coverage: Path | None, assay_thresholds: Path | None,
             reference: Path | None, formats: str, outdir: Path, kb_dir: Path | None) -> None:
    """Annotate one sample: VCF [VCF ...] (several VCFs of one sample are merged)."""
    with _start_up():  # imports, options, the knowledgebase
        _check_environment()
        from annotator.output import write_reports
        from annotator.pipeline import SampleInputs, annotate_sample, check_inputs, safe_file_stem
        from annotator.render import parse_formats

        fmts = parse_formats(formats)
        options = {
            "genome": genome, "tumor_sample": tumor_sample, "include_filtered": include_filtered, "reference": reference,
            "tumor_fraction": tumor_fraction, "tumor_fraction_file": tumor_fraction_file, "ploidy": ploidy,
            "cnv_format": cnv_format, "tumor_type": tumor_type, "formats": fmts,
            "cnv": _thresholds(CnvThresholds, cnv_thresholds), "calls": _thresholds(CallThresholds, call_thresholds),
            "plasma": _thresholds(PlasmaThresholds, plasma_thresholds), "assay": _thresholds(AssayThresholds, assay_thresholds),
        }
        config = _run_config(options, kb_dir)
        inputs = SampleInputs(
            vcfs=tuple(vcf), cnv=tuple(cnv), fusions=tuple(fusions), sample_id=sample_id,
            prior_therapies=tuple(prior), driver=driver, wbc_vcf=wbc_vcf, panel_bed=panel_bed, coverage=coverage,
        )
        check_inputs(inputs)
        from annotator.atomic import check_writable_dir

        check_writable_dir(outdir, create=False)  # before any work: a read-only folder is one line, not a traceback
        kb = _load_kb(kb_dir)
    unknown_tumor_type = config.tumor_type_problem(kb, cli_name)  # before any input is read
    if unknown_tumor_type:
        raise InputError(unknown_tumor_type)
    report = annotate_sample(inputs, config, kb)
    written = write_reports(report, outdir, safe_file_stem(report.sample.id), fmts)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    for path in written:
        click.echo(str(path))


def _run_config(options: dict[str, Any], kb_dir: Path | None) -> RunConfig:
    """The command's options validated, or one InputError naming every problem (an unknown tumor type too)."""
    from annotator.pipeline import option_context

    config, problems = validate_options(RunConfig, {k: v for k, v in options.items() if v is not None}, cli_name,
                                       context=option_context())
    if config is not None:
        return config
    tumor_type = options["tumor_type"]
    if tumor_type and not any("--tumor-type" in p for p in problems):  # every problem at once, tumor type too
        unknown = tumor_type_problem(tumor_type, _load_kb(kb_dir), cli_name)
        problems += [unknown] if unknown else []
    raise InputError(problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(problems))


@main.command()
@click.argument("samplesheet", type=_PATH)
@click.option("--outdir", type=click.Path(path_type=Path, file_okay=False), required=True, help="Folder for every report, the status file and the cohort summary.")
@click.option("--format", "formats", default="html,pdf,json", show_default=True, help="Comma-separated output formats.")
@click.option("--jobs", type=int, default=None, help="Parallel samples (default: number of CPUs).")
@click.option("--resume", is_flag=True, help="Skip samples whose inputs, options, knowledgebase, thresholds, formats and version are unchanged since their reports were written, and whose reports are complete.")
@click.option("--only", "only", multiple=True, help="Annotate only these sample ids (repeatable; used by the Snakemake workflow).")
@click.option("--no-cohort", is_flag=True, help="Do not write cohort.tsv / cohort.html.")
@click.option("--no-status", is_flag=True, help="Do not write batch_status.tsv (workflow jobs run one sample each).")
@click.option("--cnv-thresholds", type=_PATH, help="YAML overriding copy-number thresholds.")
@click.option("--call-thresholds", type=_PATH, help="YAML overriding what caller verdicts need (see README).")
@click.option("--plasma-thresholds", type=_PATH, help="YAML overriding the plasma-origin thresholds (see README).")
@click.option("--assay-thresholds", type=_PATH, help="YAML overriding the assay settings (depth, detection limit, clonality; see README).")
@click.option("--kb", "kb_dir", type=click.Path(path_type=Path, file_okay=False), help="Use another knowledgebase directory (validated on load).")
def batch(samplesheet: Path, outdir: Path, formats: str, jobs: int | None, resume: bool, only: tuple[str, ...], no_cohort: bool,
          no_status: bool, cnv_thresholds: Path | None, call_thresholds: Path | None, plasma_thresholds: Path | None,
          assay_thresholds: Path | None, kb_dir: Path | None) -> None:
    """Annotate every sample of SAMPLESHEET (CSV/TSV; see README); one bad sample never stops the others."""
    _check_environment()
    from annotator.batch import BatchOptions
    from annotator.batch.status import STATUS_FILE
    from annotator.render import parse_formats
    from annotator.samplesheet import read_samplesheet

    fmts = parse_formats(formats)
    rows = sheet_rows = read_samplesheet(samplesheet, _load_kb(kb_dir))  # the KB is validated once, before any work; tumor types with the rest
    if only:
        unknown = sorted(set(only) - {r.sample_id for r in rows})
        if unknown:
            raise AnnotatorError(f"--only names sample(s) not in the sheet: {', '.join(unknown)}", samplesheet)
        rows = [r for r in rows if r.sample_id in set(only)]
    options = BatchOptions(
        outdir=outdir, formats=fmts, kb_dir=str(kb_dir) if kb_dir else None, jobs=jobs or os.cpu_count() or 1, resume=resume,
        cnv=_thresholds(CnvThresholds, cnv_thresholds), calls=_thresholds(CallThresholds, call_thresholds),
        plasma=_thresholds(PlasmaThresholds, plasma_thresholds), assay=_thresholds(AssayThresholds, assay_thresholds),
        write_status=not no_status,
    )
    from annotator.atomic import check_writable_dir

    check_writable_dir(outdir)
    try:  # Ctrl-C while samples run is handled by the scheduler; before (loading) or after (cohort) it lands here
        result = _run_with_progress(rows, options)
        if not no_cohort and result.stopped_by is None:
            from annotator.cohort import write_cohort

            write_cohort(sheet_rows, outdir)  # every sample of the sheet, not only those run now
    except KeyboardInterrupt:
        click.echo("stopped by Ctrl-C (SIGINT); the status of every finished sample is in the status file; no cohort written", err=True)
        sys.exit(130)
    for line in result.summary(None if no_status else outdir / STATUS_FILE):
        click.echo(line, err=True)
    if result.exit_code is not None:
        sys.exit(result.exit_code)
    if result.failed():
        sys.exit(1)


def _run_with_progress(rows: list[SampleRow], options: BatchOptions) -> BatchResult:
    from annotator.batch import run_batch

    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=False) as progress:
            task = progress.add_task("annotating", total=len(rows))
            return run_batch(rows, options, lambda o, done, total: progress.update(task, completed=done, description=f"{o.sample_id}: {o.status}"))

    def log(o: Outcome, done: int, total: int) -> None:
        click.echo(f"[{done}/{total}] {o.sample_id}: {o.status} ({o.seconds:.2f} s){': ' + o.message if o.status == 'failed' else ''}", err=True)

    return run_batch(rows, options, log)


@main.command()
@click.argument("samplesheet", type=_PATH)
@click.option("--outdir", type=click.Path(path_type=Path, file_okay=False), required=True)
def cohort(samplesheet: Path, outdir: Path) -> None:
    """Write OUTDIR/cohort.tsv and cohort.html from the reports of SAMPLESHEET's samples."""
    from annotator.cohort import write_cohort
    from annotator.samplesheet import read_samplesheet

    for path in write_cohort(read_samplesheet(samplesheet), outdir):
        click.echo(str(path))


@main.command("workflow-path")
def workflow_path() -> None:
    """Print the path of the bundled Snakemake workflow (snakemake -s "$(ctdna-annotator workflow-path)")."""
    from annotator.resources import workflow_path as path

    click.echo(str(path()))


@main.command("schema")
def schema() -> None:
    """Print the JSON Schema of the JSON report (also published as docs/report.schema.json)."""
    from annotator.render.json_out import json_schema

    click.echo(json_schema(), nl=False)


@main.group()
def kb() -> None:
    """Inspect and validate the knowledgebase."""


_KB_OPTION = click.option("--kb", "kb_dir", type=click.Path(path_type=Path, file_okay=False), help="Knowledgebase directory (default: bundled).")


@kb.command("validate")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
def kb_validate(directory: Path | None) -> None:
    """Validate a knowledgebase directory (default: the bundled one); prints every problem."""
    from annotator.kb.load import load_knowledgebase
    from annotator.resources import knowledgebase_dir

    root = directory or knowledgebase_dir()
    try:
        kb_ = load_knowledgebase(root)
        # The policy's exclusion rules must each have an implementation (and every implementation a place).
        from annotator.options import policy_problems

        problems = policy_problems(kb_.policy)
        if problems:
            raise KnowledgebaseError(problems, root)
    except KnowledgebaseError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"{root}: {len(exc.problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(
        f"{root}: valid ({kb_.release.version}; {len(kb_.alterations)} alterations, {len(kb_.mechanisms)} mechanisms,"
        f" {len(kb_.regimens)} regimens, {len(kb_.trials)} trials, {len(kb_.drugs)} drugs)"
    )


@kb.command("version")
@_KB_OPTION
def kb_version(kb_dir: Path | None) -> None:
    """Knowledgebase version and content sha256."""
    k = _load_kb(kb_dir)
    click.echo(f"{k.release.name} {k.release.version} sha256:{k.sha256}")


@kb.command("list")
@click.argument("what", type=click.Choice(["mechanisms", "drugs", "trials", "alterations", "regimens"]))
@_KB_OPTION
def kb_list(what: str, kb_dir: Path | None) -> None:
    """List knowledgebase entries of one kind, one per line."""
    k = _load_kb(kb_dir)
    rows = {
        "mechanisms": [(m.id, f"{m.category}: {m.summary}") for m in k.mechanisms],
        "drugs": [(d.id, f"{d.drug_class}; targets {', '.join(d.targets)}") for d in k.drugs],
        "trials": [(t.id, f"{t.nct_id or '-'} {t.acronym or ''} {t.title}".strip()) for t in k.trials],
        "alterations": [(a.id, f"{a.name} ({a.kind})") for a in k.alterations],
        "regimens": [(r.id, " + ".join(r.drugs or r.drug_classes)) for r in k.regimens],
    }[what]
    width = max((len(i) for i, _ in rows), default=0)
    for ident, text in rows:
        click.echo(f"{ident.ljust(width)}  {text}")


@kb.command("table")
@_KB_OPTION
def kb_table(kb_dir: Path | None) -> None:
    """Print the knowledgebase as Markdown (published as docs/knowledgebase.md)."""
    from annotator.kb.table import knowledgebase_markdown

    click.echo(knowledgebase_markdown(_load_kb(kb_dir)), nl=False)


@kb.command("show")
@click.argument("entry_id")
@_KB_OPTION
def kb_show(entry_id: str, kb_dir: Path | None) -> None:
    """Show one entry (any kind) as YAML."""
    import yaml

    k = _load_kb(kb_dir)
    for group in (k.alterations, k.mechanisms, k.regimens, k.trials, k.drugs, k.references):
        for entry in group:
            if getattr(entry, "id", None) == entry_id or getattr(entry, "nct_id", None) == entry_id:
                click.echo(yaml.safe_dump(entry.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True))
                return
    for g in k.genes:
        if g.symbol == entry_id:
            click.echo(yaml.safe_dump(g.model_dump(mode="json", exclude_defaults=True), sort_keys=False))
            return
    raise AnnotatorError(f"no knowledgebase entry with id {entry_id!r} (try 'kb list ...')")


def run() -> None:
    """Console entry point: usage errors, like input errors, are one line and exit status 2."""
    _CONSOLE["run"] = True
    gc.freeze()  # what importing this module made lives to the end (see _start_up)
    try:
        _run()
    finally:
        # The frozen objects stay frozen: the process ends here, and the collection at exit would walk them all
        # (about 0.1 s). A caller that goes on after run() (tests) calls gc.unfreeze() itself.
        _CONSOLE["run"] = False


def _run() -> None:
    try:
        main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        message = exc.format_message()
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            message += f" (see '{exc.ctx.command_path} --help')"
        click.echo("Error: " + " ".join(message.split()), err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    run()
