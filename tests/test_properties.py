"""Property-based: whatever bytes or YAML structure a contributor writes, the reader and checker
answer with a clean error or a valid record, never an exception."""

from __future__ import annotations

import datetime as dt

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen.diagnostics import Diagnostic
from site_gen.reader import Rejected, parse_paper

TODAY = dt.date(2026, 1, 1)
FIELDS = ["title", "authors", "year", "venue", "arxiv", "doi", "url", "code", "links", "category", "tags", "abstract", "note", "added", "id", "extra"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
    st.dates().map(str), st.sampled_from(["2401.10020", "yes", "off", "~", "0x1F", "1_000", "2024-02-30", "https://x.org", "javascript:x",
                    "llm\n", "2024-03-12\n", "2403.03507\n", "https://x.org\n", "x\x01", "\u200b", "٢٠٢٤", "0000-01-01"]),
)
values = st.recursive(scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=12)
records = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), values, max_size=10)


def assert_clean(raw: bytes) -> None:
    parsed = parse_paper(raw, "some-paper", "papers/some-paper.yml", TODAY)
    if isinstance(parsed, Rejected):
        assert parsed.diagnostics
        for diagnostic in parsed.diagnostics:
            assert isinstance(diagnostic, Diagnostic)
            assert diagnostic.line >= 1 and diagnostic.column >= 1
            assert diagnostic.message and "Traceback" not in diagnostic.message
            # the compiled fast-path validator and jsonschema agree that this record is invalid
            assert "breaks a rule of" not in diagnostic.message, diagnostic
    else:
        assert isinstance(parsed.title, str) and parsed.title.strip()
        # the compiled fast-path validator and jsonschema agree that this record is valid
        from site_gen.schema import PAPER_SCHEMA_FILE
        from site_gen.validation import schema_diagnostics
        from site_gen.reader import locate

        assert schema_diagnostics(locate(raw, "p.yml"), PAPER_SCHEMA_FILE, "p.yml") == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes(raw: bytes):
    assert_clean(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text(text: str):
    assert_clean(text.encode("utf-8", "surrogatepass") if not any(0xD800 <= ord(c) <= 0xDFFF for c in text) else b"")


@settings(max_examples=300, deadline=None)
@given(records)
def test_arbitrary_yaml_structures(record):
    assert_clean(yaml.safe_dump(record, allow_unicode=True).encode("utf-8"))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=14), st.sampled_from(["flow", "block"]))
def test_near_valid_records(overrides, style):
    record = {
        "title": "A title", "authors": ["A Person"], "year": 2024, "arxiv": "2403.03507",
        "category": "training", "tags": ["llm"], "added": "2024-03-12",
    }
    record.update(overrides)
    text = yaml.safe_dump(record, default_flow_style=(style == "flow"), allow_unicode=True)
    assert_clean(text.encode("utf-8"))
