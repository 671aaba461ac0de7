"""The machine-readable report: the ReportModel as JSON, validated by docs/report.schema.json."""

from __future__ import annotations

import json

from annotator.report import ReportModel


def render(report: ReportModel) -> bytes:
    return (report.model_dump_json(indent=2) + "\n").encode("utf-8")


def json_schema() -> str:
    return json.dumps(ReportModel.model_json_schema(mode="serialization"), indent=2, sort_keys=True) + "\n"
