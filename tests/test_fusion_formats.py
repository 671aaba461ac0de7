"""Every fusion/SV format, as each tool writes it (tests/data/fusions, see its README): partners in
5'::3' order, the kinase, DNA or RNA evidence and read support; decoys are never knowledgebase hits."""

from __future__ import annotations

import pytest

from annotator.errors import InputError
from annotator.kb.index import kb_index
from annotator.matching import match_alterations
from annotator.readers.fusion import read_fusions
from tests.support.inputs import expected_rows
from tests.support.paths import DATA

FUS = DATA / "fusions"
BY_FILE = {name: rows for (name,), rows in expected_rows(FUS, "file").items()}


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_fusion_format(shipped_kb, name):
    rows = BY_FILE[name]
    build = rows[0]["build"] if rows[0]["build"] in ("GRCh37", "GRCh38") else "GRCh38"
    index = kb_index(shipped_kb, build)
    if rows[0]["expect"] == "ERROR":
        with pytest.raises(InputError, match="no recognizable fusion header"):
            read_fusions(FUS / name, index)
        return
    result = read_fusions(FUS / name, index)
    found = {(a.gene5, a.gene3): a for a in result.alterations}
    hits = {m.observed.fusion for m in match_alterations(list(result.alterations), index)}
    for row in rows:
        if row["expect"] == "DECOY":
            assert (row["gene5"], row["gene3"]) not in found or f"{row['gene5']}::{row['gene3']}" not in hits, row
            continue
        a = found.get((row["gene5"], row["gene3"]))
        assert a is not None, (name, row["gene5"], row["gene3"], sorted(found))
        assert a.gene == row["kinase"]
        expected_evidence = None if row["evidence"] in ("", "-", "NA", "none") else row["evidence"]
        assert a.evidence == expected_evidence, (row, a.evidence)
        if row["supporting_reads"] not in ("", "-", "NA"):
            assert a.supporting_reads == int(row["supporting_reads"]), (row, a.supporting_reads)
        assert f"{row['gene5']}::{row['gene3']}" in hits
