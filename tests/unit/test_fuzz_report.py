"""The preview report fed random engine events shaped like the recorded ones: never a crash.

Events are built as the engine writes them (the keys and types of tests/unit/data/report),
with random URNs, ops, property paths, values and secrets, mixed with recorded events. The
report builder folds them into a preview, renders Markdown within its size limit and a JSON
change set, and no secret's value ever shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.automation.events import DiffKind, EngineEvent, OpType

from automation._report import (
    DEFAULT_MAX_CHARS,
    TenantPreview,
    change_set_json,
    parse_event_lines,
    render_markdown,
    tenant_preview_from_events,
)
from automation._report._values import SIGNATURE_KEY

DATA = Path(__file__).parent / "data" / "report"
CANARY = "report-secret-canary-41d7"
"""The plaintext of every generated secret: it must never reach the report."""
FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
RECORDED = [
    json.loads(line)
    for path in sorted(DATA.glob("*.jsonl"))
    for line in path.read_text().splitlines()
    if line.strip()
]

text = st.text(max_size=30)
types = (
    st.sampled_from(
        [
            "pulumi:pulumi:Stack",
            "pulumi:providers:kubernetes",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:Secret",
            "jockey:kubernetes:Tenant",
        ]
    )
    | text
)
# A small pool, so that several steps land on one URN as a replacement's steps do.
urns = (
    st.sampled_from(
        [f"urn:pulumi:acme-dev::jockey::kubernetes:apps/v1:Deployment::agent-{i}" for i in range(4)]
        + ["urn:pulumi:acme-dev::jockey::pulumi:pulumi:Stack::jockey-acme-dev", "", "no-colons"]
    )
    | text
)
property_paths = st.one_of(
    text,
    st.lists(st.one_of(st.from_regex(r"[a-z]{1,6}", fullmatch=True), text), max_size=4).map(
        ".".join
    ),
    st.lists(st.one_of(st.integers(0, 3).map(str), text), max_size=3).map(
        lambda parts: "spec" + "".join(f"[{p}]" if p.isdigit() else f'["{p}"]' for p in parts)
    ),
    st.sampled_from(['data["LOG_LEVEL"]', "spec.template.spec.containers[0].image", "a[", '["x']),
)
secrets = st.one_of(
    st.just({SIGNATURE_KEY: SECRET_SIG, "plaintext": json.dumps(CANARY)}),
    st.just({SIGNATURE_KEY: SECRET_SIG, "ciphertext": CANARY}),
    st.just({SIGNATURE_KEY: "not-a-known-signature", "value": CANARY}),
)
specials = st.one_of(
    secrets,
    st.just(UNKNOWN),
    st.builds(lambda path: {SIGNATURE_KEY: ASSET_SIG, "path": path}, text),
)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text | specials,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=10,
)
properties = st.dictionaries(
    st.sampled_from(["data", "spec", "metadata", "__defaults"]) | text, values, max_size=4
)
states = st.fixed_dictionaries(
    {
        "type": types,
        "urn": urns,
        "id": text,
        "parent": text,
        "provider": text,
        "inputs": properties,
        "outputs": properties,
    },
    optional={"custom": st.booleans()},
)
detailed_diffs = st.dictionaries(
    property_paths,
    st.fixed_dictionaries(
        {"diffKind": st.sampled_from([kind.value for kind in DiffKind])},
        optional={"inputDiff": st.booleans()},
    ),
    max_size=4,
)
steps = st.fixed_dictionaries(
    {
        "op": st.sampled_from([op.value for op in OpType]),
        "urn": urns,
        "type": types,
        "provider": text,
    },
    optional={
        "old": st.none() | states,
        "new": st.none() | states,
        "keys": st.lists(property_paths, max_size=3),
        "diffs": st.lists(property_paths, max_size=3),
        "detailedDiff": st.none() | detailed_diffs,
        "logical": st.booleans(),
    },
)
generated_events = st.one_of(
    st.builds(
        lambda m, p: {"resourcePreEvent": {"metadata": m, "planning": p}}, steps, st.booleans()
    ),
    st.builds(lambda m: {"resOutputsEvent": {"metadata": m}}, steps),
    st.builds(lambda m: {"resOpFailedEvent": {"metadata": m, "status": 1, "steps": 1}}, steps),
    st.fixed_dictionaries(
        {
            "diagnosticEvent": st.fixed_dictionaries(
                {
                    "message": st.text(max_size=200),
                    "color": st.just("never"),
                    "severity": st.sampled_from(["info", "info#err", "warning", "error", "debug"])
                    | text,
                },
                optional={"urn": st.none() | urns, "ephemeral": st.none() | st.booleans()},
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "summaryEvent": st.fixed_dictionaries(
                {
                    "resourceChanges": st.dictionaries(
                        st.sampled_from([op.value for op in OpType]) | text,
                        st.integers(0, 10**6),
                        max_size=5,
                    ),
                    "maybeCorrupt": st.booleans(),
                    "durationSeconds": st.integers(0, 10**4),
                }
            )
        }
    ),
    st.fixed_dictionaries(
        {"preludeEvent": st.fixed_dictionaries({"config": st.dictionaries(text, text)})}
    ),
    st.just({"cancelEvent": {}}),
    st.fixed_dictionaries(
        {"stdoutEvent": st.fixed_dictionaries({"message": text, "color": st.just("never")})}
    ),
)
event_dicts = st.lists(generated_events | st.sampled_from(RECORDED), max_size=30).map(
    lambda events: [{**event, "sequence": i, "timestamp": 1} for i, event in enumerate(events)]
)


def _preview(events: list[dict[str, Any]], ok: bool, error: str | None) -> TenantPreview:
    parsed: list[EngineEvent | None] = [EngineEvent.from_json(event) for event in events]
    return tenant_preview_from_events(
        "acme", "dev", "acme-dev", [*parsed, None], ok=ok, error=error, operation="preview"
    )


@FUZZ
@given(events=event_dicts, ok=st.booleans(), error=st.none() | st.text(max_size=300))
def test_random_events_fold_into_a_preview_without_secrets(
    events: list[dict[str, Any]], ok: bool, error: str | None
) -> None:
    preview = _preview(events, ok, error)

    assert isinstance(preview, TenantPreview)
    markdown = render_markdown([preview])
    change_set = json.dumps(change_set_json([preview], show_outputs=True))
    assert markdown.startswith("<!-- jockey-preview -->")
    assert len(markdown) <= DEFAULT_MAX_CHARS
    assert CANARY not in markdown
    assert CANARY not in change_set


@FUZZ
@given(
    tenants=st.lists(event_dicts, min_size=1, max_size=3),
    max_chars=st.integers(0, 6000),
    show_outputs=st.booleans(),
)
def test_many_tenants_render_within_any_size_limit(
    tenants: list[list[dict[str, Any]]], max_chars: int, show_outputs: bool
) -> None:
    previews = [_preview(events, True, None) for events in tenants]

    markdown = render_markdown(previews, max_chars=max_chars, show_outputs=show_outputs)

    assert CANARY not in markdown
    if max_chars >= 4000:  # room for the summary table, which is never trimmed
        assert len(markdown) <= max_chars


@FUZZ
@given(events=event_dicts, noise=st.lists(st.sampled_from(["", "  ", "\n"]), max_size=3))
def test_recorded_event_lines_parse_back(events: list[dict[str, Any]], noise: list[str]) -> None:
    lines = [json.dumps(event) for event in events] + noise

    parsed = parse_event_lines(lines)

    assert len(parsed) == len(events)


@pytest.mark.parametrize("line", ["[1, 2]", '"text"', "42", "null", "{not json"])
def test_a_line_that_is_not_an_event_object_is_a_value_error(line: str) -> None:
    with pytest.raises(ValueError):
        parse_event_lines([line])
