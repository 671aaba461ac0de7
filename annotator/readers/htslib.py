"""htslib's own messages: collected from file descriptor 2 so that they reach the report, not the terminal."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO


class HtslibMessages(list[str]):
    """The lines htslib printed; filled on exit, or read so far by calling it."""

    def __init__(self, sink: IO[bytes] | None) -> None:
        super().__init__()
        self._sink = sink

    def __call__(self) -> list[str]:
        if self._sink is None:
            return list(self)
        self._sink.flush()
        self._sink.seek(0)
        lines = self._sink.read().decode("utf-8", "replace").splitlines()
        self._sink.seek(0, 2)
        return lines


@contextmanager
def capture_htslib_messages() -> Iterator[HtslibMessages]:
    """htslib writes straight to fd 2, beneath Python's sys.stderr; redirect it for the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        messages = HtslibMessages(sink)
        os.dup2(sink.fileno(), 2)
        try:
            yield messages
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            lines = messages()
            messages._sink = None
            messages += lines


def summarize(messages: list[str]) -> list[str]:
    """htslib's complaints grouped by kind ("Contig '1' ..." and "Contig '2' ..." are one kind)."""
    groups: dict[str, list[str]] = {}
    for m in messages:
        if m.startswith("[W::") or m.startswith("[E::"):
            text = m.split("] ", 1)[-1].split(" (Quick workaround")[0].strip()
            kind = re.sub(r"'[^']*'|\bat \S+:\d+", "_", text)
            groups.setdefault(kind, []).append(text)
    out = []
    for texts in groups.values():
        more = len(texts) - 1
        out.append(f"htslib: {texts[0]}" + (f" (and {more} similar)" if more else ""))
    return out
