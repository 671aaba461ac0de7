"""The built wheel carries knowledgebase/ and templates/, and its console script runs from anywhere."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile

import pytest

from tests.conftest import ROOT, mutect2_vcf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(work), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    wheel = next(work.glob("ctdna_annotator-*.whl"))
    env_dir = work / "venv"
    # System site-packages supply the already-installed dependencies; the package itself comes only from the wheel.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "--no-deps", "--ignore-installed", str(wheel)],
                   check=True, capture_output=True, text=True)
    return wheel, env_dir / "bin" / "ctdna-annotator"


def test_wheel_ships_data_and_templates(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("annotator/_bundled/knowledgebase/alterations.yaml", "annotator/_bundled/templates/report.html.j2",
                   "annotator/_bundled/templates/report.css", "annotator/_bundled/templates/cohort.html.j2",
                   "annotator/_bundled/report.schema.json", "annotator/_bundled/Snakefile"):
        assert needed in names


def test_installed_command_annotates_outside_the_source_tree(installed, tmp_path):
    _, exe = installed
    vcf = tmp_path / "p.vcf"
    vcf.write_text(mutect2_vcf(["chr7 55191822 T G PASS 0/0:500,0:0.0:500 0/1:2640,360:0.12:3000"]))
    (tmp_path / "p.cnv.tsv").write_text("gene\tcopy_number\nMET\t8.0\n")
    env = {"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1700000000", "HOME": str(tmp_path)}
    version = subprocess.run([str(exe), "--version"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert "ctdna-annotator" in version.stdout
    subprocess.run([str(exe), "kb", "validate"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    snakefile = subprocess.run([str(exe), "workflow-path"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert "_bundled" in snakefile and snakefile.endswith("Snakefile")
    proc = subprocess.run(
        [str(exe), "annotate", "p.vcf", "--cnv", "p.cnv.tsv", "--prior-therapy", "osimertinib", "--outdir", "reports"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["PLASMA_1.html", "PLASMA_1.json", "PLASMA_1.pdf"]
    assert "MET amplification" in (tmp_path / "reports" / "PLASMA_1.json").read_text()
