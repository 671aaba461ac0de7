"""The block scanner (annotator/readers/vcf_blocks.py) against the line-by-line prefilter it replaced
(tests/support/prefilter_reference.py): the same bytes written, kept line numbers, counts and errors, on
edge-case files and on seeded random ones, plain, gzipped (one or several members) and BGZF, with pieces
small enough that lines, CRLF pairs and UTF-8 sequences straddle piece boundaries."""

from __future__ import annotations

import gzip
import random
import tempfile
from pathlib import Path

import pytest

from annotator.errors import InputError
from annotator.readers import vcf_blocks, vcf_scan
from tests.support import prefilter_reference
from tests.support.bgzf import bgzf

HEADER = (
    "##fileformat=VCFv4.2\n"
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
WINDOWS = vcf_scan.Windows({
    "7": [(0, 10), (1000, 2000), (55_000_000, 55_300_000)],
    "12": [(25_200_000, 25_300_000)],
    "MT": [(0, 16_569)],
    "chrUn_x": [(5, 6)],
})


def rec(chrom: str, pos: int | str, ref: str = "A", info: str = "DP=9", end: str = "\n") -> str:
    return f"{chrom}\t{pos}\t.\t{ref}\tG\t.\tPASS\t{info}{end}"


def outcome(prefilter, path: Path, header_lines: int, windows: vcf_scan.Windows = WINDOWS) -> tuple:
    """What a prefilter did: the bytes it wrote, kept lines and counts, or its error (type, text, line)."""
    try:
        tmp, kept, counts = prefilter(path, header_lines, windows)
    except (InputError, ValueError) as exc:
        return ("error", type(exc).__name__, str(exc), getattr(exc, "line", None))
    data = tmp.read_bytes()
    tmp.unlink()
    return ("ok", data, kept, counts.read, sorted(counts.contigs))


def assert_same(path: Path, header_lines: int, windows: vcf_scan.Windows = WINDOWS) -> tuple:
    expected = outcome(prefilter_reference.prefilter, path, header_lines, windows)
    assert outcome(vcf_scan.prefilter, path, header_lines, windows) == expected
    return expected


def encodings(tmp_path: Path, raw: bytes, name: str = "in") -> list[Path]:
    """``raw`` as plain text, one gzip member, three gzip members, and BGZF with small blocks."""
    third = max(len(raw) // 3, 1)
    members = gzip.compress(raw[:third]) + gzip.compress(raw[third:2 * third]) + gzip.compress(raw[2 * third:])
    files = {".vcf": raw, ".vcf.gz": gzip.compress(raw), ".multi.vcf.gz": members, ".bgzf.vcf.gz": bgzf(raw, block=37)}
    paths = []
    for suffix, data in files.items():
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(data)
        paths.append(path)
    return paths


@pytest.fixture(params=[7, 64, 1 << 20], ids=["piece7", "piece64", "piece1MiB"])
def piece(request, monkeypatch):
    monkeypatch.setattr(vcf_blocks, "PIECE", request.param)
    return request.param


EDGE_CASES = {
    "contig_names": HEADER + "".join(rec(c, p) for c, p in [
        ("chr7", 5), ("7", 1500), ("NC_000007.14", 55_100_000), ("chr7", 3000), ("chrM", 100), ("MT", 20_000),
        ("chr12", 25_245_350), ("CHR12", 25_245_351), ("chrUn_x", 6), ("chrUn_x", 7), ("HLA-A*01:01", 1),
        ("chr7", 9), ("chr7", 10), ("chr7", 11)]),
    "window_ends_and_ref_spans": HEADER + "".join(rec("chr7", p, ref) for p, ref in [
        (1, "A"), (10, "A"), (11, "A"), (990, "A" * 11), (990, "A" * 12), (2000, "A"), (2001, "A"), (2001, ""),
        (1000, ""), (1001, ""), (0, "A"), (0, ""), (55_300_000, "AC"), (55_300_001, "A")]),
    "blank_and_whitespace_lines": HEADER + rec("chr7", 5) + "\n" + "   \n" + "\t\t\t\t\t\t\t\t\n" + "\r\n"
    + "\x0b\x0c\n" + rec("chr7", 6) + "\n\n",
    "crlf": (HEADER + rec("chr7", 5) + rec("chr12", 7) + rec("chr7", 1001)).replace("\n", "\r\n"),
    "lone_cr": (HEADER + rec("chr7", 5) + rec("chr12", 7) + rec("chr7", 1001)).replace("\n", "\r"),
    "mixed_line_ends": HEADER + rec("chr7", 5, end="\r") + rec("chr7", 6, end="\r\r\n") + rec("chr7", 7, end="\r\n")
    + rec("chr12", 9, end="\n\r") + rec("chr7", 1500, end="\r"),
    "last_line_without_newline_kept": HEADER + rec("chr7", 5) + rec("chr7", 1500, end=""),
    "last_line_without_newline_outside": HEADER + rec("chr7", 5) + rec("chr7", 3000, end=""),
    "last_line_lone_cr": HEADER + rec("chr7", 1500, end="\r"),
    "header_only": HEADER,
    "header_without_newline": HEADER.rstrip("\n"),
    "empty": "",
    "unsorted_contigs": HEADER + "".join(rec(c, p) for c, p in [("chr7", 5), ("chr12", 5), ("chr7", 3000), ("chr1", 9),
                                                                ("chr7", 1500), ("chr12", 25_200_001), ("chr1", 10)]),
    "non_ascii_info": HEADER + rec("chr7", 5, info="NOTE=café") + rec("chr7", 3000, info="NOTE=Montréal")
    + rec("chr7", 1500),
    "non_ascii_contig": HEADER + rec("chré", 5) + rec("chr7", 1500),
    "unicode_digit_pos_arabic": HEADER + rec("chr7", "\u0661\u0665\u0660\u0660") + rec("chr7", 1500),
    "long_pos_and_contig": HEADER + rec("chr7", "0" * 30 + "1500") + rec("chr7", "9" * 25) + rec("c" * 70, 5)
    + rec("chr7", "000005"),
    "eight_columns_exactly_and_more": HEADER + "chr7\t5\t.\tA\tG\t.\tPASS\n" .replace("PASS\n", "PASS\tX\n")
    + "chr7\t1500\t.\tA\tG\t.\tPASS\tDP=1\tGT\t0/1\n",
    "contig_with_controls": HEADER + rec("7\x00", 5) + rec("7 ", 5) + rec("chr7", 5),
    "leading_space": HEADER + " " + rec("chr7", 5) + rec("chr7", 6),
    "bad_columns": HEADER + rec("chr7", 5) + "chr7\t6\t.\tA\tG\t.\tPASS\n" + rec("chr7", 7),
    "bad_pos_letters": HEADER + rec("chr7", 5) + rec("chr7", "12a") + rec("chr7", 7),
    "bad_pos_negative": HEADER + rec("chr7", "-5"),
    "bad_pos_plus": HEADER + rec("chr7", "+5"),
    "bad_pos_empty": HEADER + rec("chr7", ""),
    "bad_pos_space": HEADER + rec("chr7", " 5"),
    "bad_pos_superscript": HEADER + rec("chr7", "\u00b2"),
    "single_column_line": HEADER + rec("chr7", 5) + "garbage\n",
    "header_line_in_records": HEADER + "#another header\n" + rec("chr7", 5),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_match_the_line_by_line_prefilter(tmp_path, piece, name):
    raw = EDGE_CASES[name].encode("utf-8")
    for path in encodings(tmp_path, raw):
        for header_lines in (3, 0, 1, 4):
            assert_same(path, header_lines)


def test_edge_cases_say_what_they_test(tmp_path):
    """The oracle comparisons above would pass for two equally wrong filters; pin a few outcomes."""
    path = tmp_path / "a.vcf"
    path.write_bytes(EDGE_CASES["window_ends_and_ref_spans"].encode())
    _, data, kept, read, contigs = assert_same(path, 3)
    assert kept == [4, 5, 8, 9, 13, 16]  # POS 1, 10; 12 bases from 990 reach 1000; 2000; 1001 (no REF); 55,300,000 (AC)
    assert (read, contigs) == (8, ["chr7"])  # POS 0 and an empty REF at the edge of a window are outside
    path.write_bytes(EDGE_CASES["bad_pos_letters"].encode())
    assert assert_same(path, 3)[2:] == (f"{path}:5: POS '12a' is not a positive integer", 5)
    path.write_bytes(EDGE_CASES["bad_columns"].encode())
    assert assert_same(path, 3)[2:] == (f"{path}:5: record has 7 tab-separated columns; a VCF record needs at least 8", 5)
    path.write_bytes(EDGE_CASES["crlf"].encode())
    assert assert_same(path, 3)[1].endswith(b"chr7\t1001\t.\tA\tG\t.\tPASS\tDP=9\r\n")
    path.write_bytes(EDGE_CASES["bad_pos_superscript"].encode())
    assert assert_same(path, 3)[2:] == (f"{path}:4: POS '²' is not a positive integer", 4)  # '²'.isdigit(), int('²') fails


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf"])
def test_byte_order_mark_is_stripped_from_line_one(tmp_path, piece, prefix):
    raw = prefix + (HEADER + rec("chr7", 5) + rec("chr7", 3000)).encode()
    for path in encodings(tmp_path, raw):
        for header_lines in (3, 1, 0):
            result = assert_same(path, header_lines)
            if header_lines == 3:
                assert result[1].startswith(b"##fileformat")


@pytest.mark.parametrize("where", ["header", "record", "info", "last_line", "split_sequence"])
def test_not_utf8_names_the_line_and_byte(tmp_path, piece, where):
    lines = [HEADER, rec("chr7", 5), rec("chr7", 3000, info="NOTE=café"), rec("chr7", 1500)]
    raw = "".join(lines).encode()
    bad = {
        "header": raw.replace(b"Depth", b"D\xe9pth"),
        "record": raw.replace(b"chr7\t5\t", b"chr\xe97\t5\t"),
        "info": raw.replace(b"caf\xc3\xa9", b"caf\xe9"),
        "last_line": raw.rstrip(b"\n") + b"\tX\xff",
        "split_sequence": raw.replace(b"caf\xc3\xa9", b"caf\xc3\n\xa9"),
    }[where]
    for path in encodings(tmp_path, bad):
        result = assert_same(path, 3)
        assert "not UTF-8 at line" in result[2]


def test_truncated_and_corrupt_gzip(tmp_path, piece):
    raw = (HEADER + "".join(rec("chr7", p) for p in range(1, 3000, 7))).encode()
    whole = gzip.compress(raw)
    blocked = bgzf(raw, block=500)
    cases = {
        "truncated.vcf.gz": whole[:len(whole) // 2],
        "truncated_bgzf.vcf.gz": blocked[:len(blocked) // 2],
        "no_eof_block.vcf.gz": bgzf(raw, block=500, eof=False),
        "bad_crc.vcf.gz": whole[:-8] + bytes([whole[-8] ^ 1]) + whole[-7:],
        "trailing_garbage.vcf.gz": whole + b"garbage!",
        "trailing_zeros.vcf.gz": whole + b"\x00" * 10,
        "corrupt_deflate.vcf.gz": blocked[:600] + bytes(b ^ 0x55 for b in blocked[600:700]) + blocked[700:],
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = assert_same(path, 3)
        if name not in ("no_eof_block.vcf.gz", "trailing_zeros.vcf.gz"):
            assert "truncated or corrupt gzip file" in result[2], name


def test_temporary_file_is_deleted_on_every_error(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    for name in ("bad_columns", "bad_pos_letters", "bad_pos_superscript"):
        path = tmp_path / f"{name}.vcf"
        path.write_bytes(EDGE_CASES[name].encode())
        with pytest.raises((InputError, ValueError)):
            vcf_scan.prefilter(path, 3, WINDOWS)
    for path, data in ((tmp_path / "latin1.vcf", HEADER.encode() + b"\xe9\n"),
                       (tmp_path / "cut.vcf.gz", gzip.compress(HEADER.encode() * 50)[:60])):
        path.write_bytes(data)
        with pytest.raises(InputError):
            vcf_scan.prefilter(path, 3, WINDOWS)
    assert list(scratch.iterdir()) == []


def test_lines_straddle_one_mebibyte_pieces_and_bgzf_blocks(tmp_path):
    """Real piece size: a 3 MiB BGZF file with default-sized blocks, lines crossing every boundary."""
    rng = random.Random(5)
    body = "".join(rec(rng.choice(["chr7", "chr12", "chrM"]), rng.randrange(1, 60_000_000), "A" * rng.randrange(1, 30),
                       info="DP=" + "9" * rng.randrange(1, 200)) for _ in range(25_000))
    raw = (HEADER + body).encode()
    assert len(raw) > 3 * (1 << 20)
    path = tmp_path / "big.vcf.gz"
    path.write_bytes(bgzf(raw))
    result = assert_same(path, 3)
    assert result[0] == "ok" and len(result[2]) > 40 and result[3] > 20_000


def random_line(rng: random.Random) -> str:
    """A record line, most of them well formed, some blank, odd or (rarely) broken."""
    chrom = rng.choice(["chr7", "7", "chr12", "12", "chrM", "MT", "chr1", "NC_000007.14", "chrUn_x", "chr7_alt"])
    pos = str(rng.choice([rng.randrange(0, 60_000_000), rng.randrange(0, 3000), rng.randrange(54_999_990, 55_300_010)]))
    ref = "ACGT"[rng.randrange(4)] * rng.choice([0, 1, 1, 1, 2, 15])
    end = rng.choice(["\n"] * 12 + ["\r\n", "\r"])
    roll = rng.random()
    if roll < 0.03:
        return rng.choice(["", " ", "\t", "  \t "]) + end
    if roll < 0.05:
        return rec(chrom, pos, ref, info=rng.choice(["NOTE=café", "X=\u00b2", "Y=\u2028"]), end=end)
    if roll < 0.06:
        pos = "0" * rng.randrange(1, 25) + pos
    return rec(chrom, pos, ref, info="DP=" + "1" * rng.randrange(1, 40), end=end)


def random_file(rng: random.Random) -> tuple[bytes, int]:
    """A random VCF and its number of header lines, with at most one error: with two (say a short record and,
    a few lines on, a byte that is not UTF-8) the old reader reported whichever its 8 KiB read-ahead met
    first, the block scanner the first in the file."""
    lines = [HEADER] + [random_line(rng) for _ in range(rng.randrange(0, 400))]
    roll = rng.random()
    if roll < 0.15 and len(lines) > 1:
        lines.insert(rng.randrange(1, len(lines) + 1), rng.choice(["chr7\t5\t.\tA\n", rec("chr7", "5x"), "junk\n"]))
    text = "".join(lines)
    if rng.random() < 0.3:
        text = text.rstrip("\n")
    raw = text.encode()
    if rng.random() < 0.1:
        raw = b"\xef\xbb\xbf" + raw
    if roll > 0.9:
        at = rng.randrange(len(raw))
        return raw[:at] + b"\xe9" + raw[at:], 3
    return raw, rng.choice([3] * 7 + [0, 2, 5]) if roll >= 0.15 else 3


@pytest.mark.parametrize("seed", range(40))
def test_random_files_match_the_line_by_line_prefilter(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    monkeypatch.setattr(vcf_blocks, "PIECE", rng.choice([3, 50, 333, 4096, 1 << 20]))
    raw, header_lines = random_file(rng)
    for path in encodings(tmp_path, raw, name=f"r{seed}"):
        assert_same(path, header_lines)


def test_read_ahead_thread_stops_when_a_line_is_refused(tmp_path, monkeypatch):
    import threading

    monkeypatch.setattr(vcf_blocks, "PIECE", 64)
    path = tmp_path / "bad.vcf.gz"
    path.write_bytes(gzip.compress((HEADER + "junk\n" + rec("chr7", 5) * 2000).encode()))
    with pytest.raises(InputError, match="record has 1 tab-separated columns"):
        vcf_scan.prefilter(path, 3, WINDOWS)
    assert [t for t in threading.enumerate() if t.name == "vcf-read-ahead"] == []


def test_positions_of_nine_to_sixteen_digits_are_read_whole(tmp_path, piece):
    """MET, BRAF, PIK3CA and NRAS lie at 9-digit positions: the POS digits past the eighth are parsed in a second
    step, which windows at such positions (and beyond, up to 16 digits) must exercise."""
    windows = vcf_scan.Windows({
        "1": [(114_713_000, 114_717_000)],  # NRAS (GRCh38)
        "7": [(116_672_000, 116_800_000), (140_719_000, 140_925_000)],  # MET, BRAF
        "3": [(179_148_000, 179_240_000)],  # PIK3CA
        "9": [(1_234_567_890_123_000, 1_234_567_890_124_000)],  # 16 digits: beyond any contig, still parsed whole
    })
    lines = [rec("chr1", 114_713_908), rec("chr1", 114_712_999), rec("chr1", 114_717_000), rec("chr1", 114_716_999),
             rec("chr7", 116_672_000), rec("chr7", 116_671_999, ref="AC"), rec("chr7", 140_924_999), rec("chr7", 140_925_001),
             rec("chr3", 179_148_001), rec("chr3", 179_239_999), rec("chr3", 179_240_001), rec("chr3", 1_179_218_303),
             rec("chr9", 1_234_567_890_123_500), rec("chr9", 1_234_567_890_124_001), rec("chr9", 234_567_890_123_500),
             rec("chr7", "000116672001"), rec("chr7", 99_999_999), rec("chr7", 100_000_000)]
    for path in encodings(tmp_path, (HEADER + "".join(lines)).encode()):
        result = assert_same(path, 3, windows)
        assert result[2] == [4, 6, 7, 10, 12, 13, 16, 19], path.name  # the kept lines, pinned (one past a window end is out)
