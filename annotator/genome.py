"""Genome builds: names, contig lengths, and detection from a VCF header.

``chr`` prefixes are a naming habit, not evidence of a build; contigs are compared without them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib.resources import files

from annotator.errors import InputError

BUILD_ALIASES = {
    "grch37": "GRCh37",
    "hg19": "GRCh37",
    "b37": "GRCh37",
    "hs37d5": "GRCh37",
    "grch38": "GRCh38",
    "hg38": "GRCh38",
    "b38": "GRCh38",
}

# Primary-assembly lengths (GRC); chrM is identical in both and proves nothing.
CONTIG_LENGTHS = {
    "GRCh37": {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
        "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
        "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
        "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
        "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
    },
    "GRCh38": {
        "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
        "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
        "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
        "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
        "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
    },
}

_REFERENCE_PATTERNS = [
    (re.compile(r"grch38|hg38|hs38|assembly38|b38|gca_000001405\.15", re.I), "GRCh38"),
    (re.compile(r"grch37|hg19|hs37|human_g1k_v37|b37|assembly19|gca_000001405\.1\b", re.I), "GRCh37"),
]


def parse_build(name: str) -> str:
    """Canonical build name for a user-supplied one, or InputError listing the accepted names."""
    build = BUILD_ALIASES.get(name.strip().lower())
    if build is None:
        accepted = ", ".join(["GRCh37", "GRCh38", "hg19", "b37", "hg38"])
        raise InputError(f"unknown genome build {name!r}; use one of {accepted}")
    return build


@cache
def contig_accessions() -> dict[str, tuple[str, str]]:
    """RefSeq and GenBank accession of each primary chromosome -> (build, chromosome), both builds
    (``annotator/data/contig_accessions.tsv``, checked against NCBI's assembly reports)."""
    out: dict[str, tuple[str, str]] = {}
    text = files("annotator").joinpath("data", "contig_accessions.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    for build, chrom, refseq, genbank in rows[1:]:
        out[refseq] = out[genbank] = (build, chrom)
    return out


def bare_contig(name: str) -> str:
    """'chr7' -> '7', 'chrM'/'MT' -> 'MT', 'NC_000007.14'/'CM000669.2' -> '7'; other names unchanged."""
    accession = contig_accessions().get(name)
    if accession:
        return accession[1]
    short = name[3:] if name.lower().startswith("chr") else name
    return "MT" if short in ("M", "MT") else short


def is_primary_chromosome(name: str) -> bool:
    """Whether ``name`` is a chromosome of the primary assembly in any naming this tool knows."""
    return bare_contig(name) in CONTIG_LENGTHS["GRCh38"] or bare_contig(name) == "MT"


def detect_build(
    reference_lines: Iterable[str], contigs: dict[str, int], source: str, contig_names: Iterable[str] = ()
) -> tuple[str | None, list[str]]:
    """Build implied by ``##reference``-like lines and ``##contig`` lengths, plus the evidence.

    Returns (None, evidence) when the header says nothing; raises InputError when the signals
    contradict each other.
    """
    votes: dict[str, list[str]] = {"GRCh37": [], "GRCh38": []}
    for build, evidence in (*_reference_votes(reference_lines), *_length_votes(contigs), *_accession_votes(contig_names)):
        votes[build].append(evidence)
    found = [b for b, evidence in votes.items() if evidence]
    if len(found) > 1:
        detail = "; ".join(f"{b}: {', '.join(votes[b][:3])}" for b in found)
        raise InputError(f"genome build evidence contradicts itself ({detail})", source)
    if not found:
        return None, []
    return found[0], votes[found[0]]


def _reference_votes(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(build, evidence) for each ``##reference``-like line naming a build (its first matching pattern)."""
    for line in lines:
        build = next((b for pattern, b in _REFERENCE_PATTERNS if pattern.search(line)), None)
        if build is not None:
            yield build, f"header says {line.strip()[:80]!r}"


def _length_votes(contigs: dict[str, int]) -> Iterator[tuple[str, str]]:
    """(build, evidence) for each contig whose length is a primary chromosome's on that build."""
    for name, length in contigs.items():
        key = bare_contig(name)
        for build, table in CONTIG_LENGTHS.items():
            if table.get(key) == length:
                yield build, f"contig {name} length {length}"


def _accession_votes(names: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(build, evidence) for each contig named by a RefSeq or GenBank accession of a primary chromosome."""
    for name in names:
        accession = contig_accessions().get(name)
        if accession:
            yield accession[0], f"contig {name} is a {accession[0]} accession"
