"""The jinja2 environments of the renderers: autoescape and StrictUndefined on, compiled templates cached.

Compiling the report template was about a tenth of a run's start-up, the chart template a twentieth; both
are kept between runs. Loading a cached template runs its code, so the cache lives in a private per-user
folder, checked before every use (:func:`annotator.cache.private_folder`); without one, or when
``CTDNA_ANNOTATOR_NO_CACHE`` is set, there is no cache. Entries are keyed by the template's name and source
checksum: an edited template is compiled again.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from annotator.cache import private_folder


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """The compiled-template cache, or None (no private folder, or caches switched off)."""
    folder = private_folder("jinja2")
    return jinja2.FileSystemBytecodeCache(str(folder)) if folder is not None else None


def environment_for(folder: Path) -> jinja2.Environment:
    """An environment for the templates in ``folder``, with the settings every renderer shares."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        bytecode_cache=bytecode_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
