"""Write a paper record as a YAML file that reads well and round-trips through the reader."""

from __future__ import annotations

from typing import Any, Mapping

import yaml

from site_gen.schema import paper_fields

# Relative to papers/<id>.yml, so editors with the YAML language server validate while typing.
SCHEMA_COMMENT = "# yaml-language-server: $schema=../site_gen/schema/paper.schema.json\n"
_FOLD_ABOVE = 80


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Long prose as a folded block (>-) keeps diffs readable; PyYAML refuses folding when the text
    # has trailing spaces or special characters and falls back to quoting, which is still correct.
    style = ">" if len(value) > _FOLD_ABOVE and "\n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def paper_yaml(record: Mapping[str, Any]) -> str:
    """YAML for papers/<id>.yml: the schema comment, then the fields in schema order."""
    ordered = {name: record[name] for name in paper_fields() if name in record and record[name] not in (None, [], {})}
    body = yaml.dump(ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return SCHEMA_COMMENT + body
