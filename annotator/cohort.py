"""Cohort summary of a run: ``cohort.tsv`` (one row per sample and finding) and ``cohort.html``
(how often each resistance mechanism occurs, by driver and prior therapy, with links to each report).

Built from the JSON reports in the output folder and ``batch_status.tsv``, so ``batch``, a resumed
batch and the Snakemake workflow all summarise the same way.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from annotator.atomic import atomic_write_all, check_writable_dir, tsv_text
from annotator.batch.status import read_status
from annotator.pipeline import safe_file_stem
from annotator.report import SCHEMA_VERSION, FindingOut, SampleInfo
from annotator.samplesheet import SampleRow

TSV_COLUMNS = ["sample_id", "status", "primary_driver", "driver_source", "prior_therapies", "gene", "alteration", "role",
               "kb_id", "vaf", "copy_number", "resistance_to", "report"]


class _CohortView(BaseModel):
    """What the cohort reads of a report, validated by the published model's own parts (the rest is not parsed
    into models: a run of a thousand reports spent most of its cohort time there)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    schema_version: str
    sample: SampleInfo
    findings: list[FindingOut]

    @field_validator("schema_version")
    @classmethod
    def _this_schema(cls, value: str) -> str:
        if value != SCHEMA_VERSION:  # as the whole model would: it reads its own version only
            raise ValueError(f"report schema {value}, this version reads {SCHEMA_VERSION}")
        return value


@dataclass(frozen=True)
class CohortSample:
    sample_id: str
    status: str
    message: str
    driver: str
    driver_source: str
    prior: str
    findings: list[FindingOut]
    report: str | None


def collect(rows: list[SampleRow], outdir: Path) -> list[CohortSample]:
    status = read_status(outdir)
    out = []
    for row in rows:
        stem = safe_file_stem(row.sample_id)
        path = outdir / f"{stem}.json"
        state, message = status.get(row.sample_id, ("ok" if path.is_file() else "missing", ""))
        if path.is_file() and state in ("ok", "skipped"):
            try:  # through the published model's parts: a report of another schema version is said to be so
                data = _CohortView.model_validate_json(path.read_bytes())
                pd = data.sample.primary_driver
                findings = list(data.findings)
                prior = ", ".join(data.sample.prior_therapies) or "none"
            except (OSError, ValueError) as exc:
                reason = _unreadable(path, exc)
                out.append(CohortSample(row.sample_id, "unreadable", f"report {path.name} cannot be read ({reason}); re-run the sample",
                                        "", "", "", [], None))
                continue
            html = f"{stem}.html" if (outdir / f"{stem}.html").is_file() else (f"{stem}.pdf" if (outdir / f"{stem}.pdf").is_file() else f"{stem}.json")
            out.append(CohortSample(row.sample_id, "ok", message, pd.alteration if pd else "not identified", pd.source if pd else "",
                                    prior, findings, html))
        else:
            out.append(CohortSample(row.sample_id, state if state not in ("ok", "skipped") else "missing", message or "no report", "", "", "", [], None))
    return out


def _unreadable(path: Path, exc: Exception) -> str:
    """Why a report cannot be read: not JSON, or JSON of another report schema (an older version wrote it)."""
    try:
        version = json.loads(path.read_text(encoding="utf-8")).get("schema_version")
    except (OSError, ValueError, AttributeError):
        return "not valid JSON"
    if version and str(version).split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        return f"report schema {version}, this version reads {SCHEMA_VERSION}"
    return "does not match the report schema"


def write_cohort(rows: list[SampleRow], outdir: Path) -> tuple[Path, Path]:
    check_writable_dir(outdir)
    samples = collect(rows, outdir)
    table: list[list[object]] = []
    for s in samples:
        if not s.findings:
            table.append([s.sample_id, s.status, s.driver, s.driver_source, s.prior, "", "", "", "", "", "", "", s.report or ""])
        for f in s.findings:
            table.append([s.sample_id, s.status, s.driver, s.driver_source, s.prior, f.gene, f.alteration, f.role, f.kb_id,
                          f.vaf, f.copy_number, f.resistance_to or "", s.report or ""])
    tsv, html = outdir / "cohort.tsv", outdir / "cohort.html"
    atomic_write_all({tsv: tsv_text(TSV_COLUMNS, table), html: render_cohort_html(samples)})
    return tsv, html


def render_cohort_html(samples: list[CohortSample]) -> str:
    from annotator.render.html import environment

    resistance: Counter[str] = Counter()
    by_context: Counter[tuple[str, str, str]] = Counter()
    for s in samples:
        for f in s.findings:
            if f.role in ("on_target_resistance", "bypass_resistance"):
                resistance[f.alteration] += 1
                by_context[(f.alteration, s.driver, s.prior)] += 1
    ok = [s for s in samples if s.status == "ok"]
    return environment().get_template("cohort.html.j2").render(
        samples=samples, n_ok=len(ok), n_failed=sum(s.status != "ok" for s in samples),
        mechanisms=resistance.most_common(), contexts=sorted(by_context.items(), key=lambda kv: (-kv[1], kv[0])),
    )
