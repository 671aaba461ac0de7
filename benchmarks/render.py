"""Benchmark: report rendering time per sample (HTML and PDF), after the first render warmed caches.

    python benchmarks/render.py [--repeat 10]

Targets (issue 6): HTML < 100 ms, PDF < 2 s per sample after the first.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from annotator.config import RunConfig
from annotator.kb.load import get_knowledgebase
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.render import renderer

EX = Path(__file__).resolve().parents[1] / "example_vcfs"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    kb = get_knowledgebase()
    report = annotate_sample(
        SampleInputs(vcfs=(EX / "egfr_l858r_met_amp.vcf.gz",), cnv=(EX / "egfr_l858r_met_amp.cnv.tsv",), prior_therapies=("osimertinib",)),
        RunConfig(), kb,
    )
    print(f"{'format':6} {'first s':>8} {'median s':>9} {'max s':>7}  (n={args.repeat})")
    for fmt in ("json", "html", "pdf"):
        render = renderer(fmt)
        start = time.perf_counter()
        render(report)
        first = time.perf_counter() - start
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            render(report)
            times.append(time.perf_counter() - start)
        print(f"{fmt:6} {first:8.3f} {statistics.median(times):9.3f} {max(times):7.3f}")


if __name__ == "__main__":
    main()
