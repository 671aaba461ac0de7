"""The YAML loader of the knowledgebase files: libyaml's safe loader, refusing a key given twice in one entry."""

from __future__ import annotations

import yaml


class UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml: ~10x faster start-up
    """A safe loader that refuses a key given twice in one entry: YAML would keep the last silently, so a merge or
    an edit that repeats ``after:`` or ``level:`` would change a fact without anyone seeing it."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)
LOADER = UniqueKeyLoader
