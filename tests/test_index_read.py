"""The indexed read (issue 18): the .tbi/.csi is parsed once in Python (its end and record counts) and loaded
once by htslib; what the index says must be what a plain walk over it says, on real and on built indexes."""

from __future__ import annotations

import gzip
import random
import struct
import zlib
from pathlib import Path

import pytest

from annotator.readers import bgzf_index
from annotator.readers.vcf.header import read_header

pysam = pytest.importorskip("pysam")
cyvcf2 = pytest.importorskip("cyvcf2")

HEADER = "##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c},length=250000000>\n" for c in ("1", "2", "7")) + (
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")


def _indexed(tmp_path: Path, records: list[tuple[str, int]], csi: bool = False) -> tuple[Path, Path]:
    plain = tmp_path / "x.vcf"
    plain.write_text(HEADER + "".join(f"{c}\t{p}\t.\tA\tC\t.\tPASS\t.\n" for c, p in records))
    path = tmp_path / "x.vcf.gz"
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True, csi=csi)
    return path, path.with_name(path.name + (".csi" if csi else ".tbi"))


def _plain_walk(data: bytes, csi: bool) -> tuple[int | None, int | None, int | None]:
    """(largest pseudo-bin end, record count, largest end of any other chunk): one bin at a time, no shortcut."""
    if csi:
        _min_shift, depth, l_aux = struct.unpack_from("<iii", data, 4)
        n_ref, at = struct.unpack_from("<i", data, 16 + l_aux)[0], 20 + l_aux
        pseudo, head = ((1 << ((depth + 1) * 3)) - 1) // 7 + 1, struct.Struct("<IQi")
    else:
        n_ref, at = struct.unpack_from("<i", data, 4)[0], 36 + struct.unpack_from("<i", data, 32)[0]
        pseudo, head = 37450, struct.Struct("<Ii")
    pseudo_end = records = other_end = None
    for _ in range(n_ref):
        n_bin = struct.unpack_from("<i", data, at)[0]
        at += 4
        for _ in range(n_bin):
            fields = head.unpack_from(data, at)
            at += head.size
            chunks = [struct.unpack_from("<QQ", data, at + 16 * c) for c in range(fields[-1])]
            at += 16 * fields[-1]
            if fields[0] == pseudo:
                pseudo_end = max(pseudo_end or 0, chunks[0][1])
                records = (records or 0) + chunks[1][0] + chunks[1][1]
            else:
                other_end = max([other_end or 0, *(end for _, end in chunks)])
        if not csi:
            at += 4 + 8 * struct.unpack_from("<i", data, at)[0]
    return pseudo_end, records, other_end


SPREAD = [("1", 1 + 40_000 * i) for i in range(3000)] + [("2", 5 + 7 * i) for i in range(2000)] + [("7", 55_000_000 + 3 * i) for i in range(500)]


@pytest.mark.parametrize("csi", [False, True], ids=["tbi", "csi"])
def test_the_index_says_what_a_plain_walk_and_htslib_say(tmp_path, csi):
    path, index = _indexed(tmp_path, SPREAD, csi)
    summary = bgzf_index.read_index(index)
    pseudo_end, records, _ = _plain_walk(gzip.decompress(index.read_bytes()), csi)
    assert (summary.end, summary.records) == (pseudo_end, records)
    assert summary.records == cyvcf2.VCF(str(path)).num_records == len(SPREAD)
    assert summary.end in bgzf_index.BgzfLayout.of(path).data_end_offsets()


def _tbi(refs: list[list[tuple[int, list[tuple[int, int]]]]]) -> bytes:
    """A tabix index (BGZF-compressed) of made-up bins: per reference, (bin, chunks), no linear index."""
    names = b"".join(f"r{i}".encode() + b"\0" for i in range(len(refs)))
    out = b"TBI\x01" + struct.pack("<8i", len(refs), 2, 1, 2, 0, ord("#"), 0, len(names)) + names
    for bins in refs:
        out += struct.pack("<i", len(bins))
        for bin_id, chunks in bins:
            out += struct.pack("<Ii", bin_id, len(chunks)) + b"".join(struct.pack("<QQ", *c) for c in chunks)
        out += struct.pack("<i", 0)
    return _bgzf(out)


def _bgzf(data: bytes) -> bytes:
    """``data`` as BGZF blocks (64 kB each) and the empty end-of-file block."""
    blocks = []
    for start in range(0, len(data), 0xFF00):
        part = data[start:start + 0xFF00]
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = deflate.compress(part) + deflate.flush()
        blocks.append(b"\x1f\x8b\x08\x04\0\0\0\0\0\xff\x06\0BC\x02\0" + struct.pack("<H", len(body) + 25) + body
                      + struct.pack("<II", zlib.crc32(part), len(part)))
    return b"".join(blocks) + bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def _bins(seed: int, n: int, with_pseudo: bool) -> list[tuple[int, list[tuple[int, int]]]]:
    rng = random.Random(seed)
    bins = []
    for i in range(n):
        chunks = [(rng.randrange(1 << 40), rng.randrange(1 << 40)) for _ in range(rng.choice([1] * 12 + [2, 3, 5]))]
        bins.append((4681 + i, chunks))
    if with_pseudo:
        bins.insert(rng.randrange(len(bins) + 1), (37450, [(0, rng.randrange(1 << 40)), (rng.randrange(10_000), rng.randrange(10))]))
    return bins


@pytest.mark.parametrize("with_pseudo", [True, False], ids=["pseudo-bins", "no pseudo-bins"])
def test_bins_of_any_chunk_count_are_walked_alike(tmp_path, with_pseudo):
    refs = [_bins(seed, n, with_pseudo) for seed, n in ((1, 5000), (2, 0), (3, 70), (4, 1), (5, 900))]
    refs[1] = [] if not with_pseudo else _bins(9, 0, True)
    index = tmp_path / "made.tbi"
    index.write_bytes(_tbi(refs))
    pseudo_end, records, other_end = _plain_walk(gzip.decompress(index.read_bytes()), csi=False)
    summary = bgzf_index.read_index(index)
    if with_pseudo:
        assert (summary.end, summary.records) == (pseudo_end, records)
    else:
        assert pseudo_end is None and (summary.end, summary.records) == (other_end, None)


def test_a_truncated_index_is_an_error_not_a_hang(tmp_path):
    refs = [_bins(1, 3000, True)]
    whole = gzip.decompress(_tbi(refs))
    index = tmp_path / "cut.tbi"
    index.write_bytes(_bgzf(whole[: len(whole) // 2]))
    with pytest.raises(ValueError):
        bgzf_index.read_index(index)


def test_reading_the_header_does_not_load_the_index(tmp_path):
    """htslib loads an index beside a file opened by name; the header needs none (a large .tbi costs tens of ms).
    A broken index beside the file shows it: htslib says nothing about it while the header is read."""
    path, index = _indexed(tmp_path, SPREAD[:50])
    index.write_bytes(index.read_bytes()[:100])
    header = read_header(path)
    assert header.samples == [] and header.htslib_messages == []
