"""Exceptions written for users: each names the file (and line or entry) and the problem.

``AnnotatorError`` is a ``click.ClickException`` so the CLI prints one line and exits 2 without a
traceback; library code raises, never exits.
"""

from __future__ import annotations

from pathlib import Path

import click


class AnnotatorError(click.ClickException):
    exit_code = 2

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(where + message)

    def format_message(self) -> str:
        # One line, always: tools that grep logs depend on it.
        return " ".join(self.message.split())


class InputError(AnnotatorError):
    """A user's input file or option is wrong."""


class KnowledgebaseError(AnnotatorError):
    """The knowledgebase failed validation; ``problems`` holds every ``file: entry: problem`` line."""

    def __init__(self, problems: list[str], root: str | Path | None = None):
        self.problems = problems
        head = f"knowledgebase {root} is invalid" if root else "knowledgebase is invalid"
        super().__init__(f"{head} ({len(problems)} problem(s)); first: {problems[0]}")


class RenderError(AnnotatorError):
    """A report could not be rendered."""
