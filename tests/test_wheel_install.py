"""The built wheel carries knowledgebase/ and templates/, and its console script runs from anywhere."""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.support.inputs import mutect2_vcf
from tests.support.paths import ROOT

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
    python = env_dir / "bin" / "python"
    # The dependencies come from the environment running the tests (a virtualenv or not), listed in a
    # .pth file: `system_site_packages=True` would expose the base interpreter's packages instead,
    # which lack them when the tests run in a virtualenv. Directories named in a .pth file are only
    # appended to sys.path (their own .pth files, e.g. an editable install's, are not run), and after
    # the venv's site-packages: the package itself comes only from the wheel.
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    site_packages = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   check=True, capture_output=True, text=True).stdout.strip()
    (Path(site_packages) / "_active_environment.pth").write_text("\n".join(_active_site_dirs()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--ignore-installed", str(wheel)],
                   check=True, capture_output=True, text=True)
    where = subprocess.run([str(python), "-c", "import annotator; print(annotator.__file__)"], cwd=work,
                           check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(env_dir), f"annotator imported from {where}, not from the wheel"
    return wheel, env_dir / "bin" / "ctdna-annotator"


def _active_site_dirs() -> list[str]:
    """The site-packages directories of the interpreter running the tests, where the dependencies are."""
    dirs = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return [d for d in dict.fromkeys(dirs) if Path(d).is_dir() and Path(d).resolve() != ROOT]


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
