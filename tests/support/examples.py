"""The shipped example samples (example_vcfs/): their options and what each report must show."""

from __future__ import annotations

from tests.support.paths import EXAMPLES

# name -> (extra options, sample id, genome build, {alteration: role})
CASES = {
    "egfr_l858r_met_amp": (
        ["--prior-therapy", "osimertinib"], "PLASMA_P001_T1", "GRCh38",
        {"EGFR L858R": "primary_driver", "MET amplification": "bypass_resistance"},
    ),
    "egfr_ex19del_kras_pik3ca": (
        ["--prior-therapy", "osimertinib"], "PLASMA_P002", "GRCh37",
        {"EGFR exon 19 deletion": "primary_driver", "KRAS G12D": "bypass_resistance", "PIK3CA E545K": "bypass_resistance"},
    ),
    "kif5b_ret": ([], "PLASMA_P003_T1", "GRCh38", {"KIF5B::RET fusion": "primary_driver"}),
    "no_findings": (["--prior-therapy", "osimertinib", "--driver", "EGFR L858R"], "PLASMA_P004", "GRCh37", {}),
}


def example_args(name: str) -> list[str]:
    """The example's VCF, then --cnv and --fusions for the files it has."""
    args = [str(EXAMPLES / f"{name}.vcf.gz")]
    for opt, suffix in (("--cnv", "cnv.tsv"), ("--fusions", "fusions.tsv")):
        if (EXAMPLES / f"{name}.{suffix}").exists():
            args += [opt, str(EXAMPLES / f"{name}.{suffix}")]
    return args
