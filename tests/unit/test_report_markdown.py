"""The pull-request Markdown report, rendered from recorded engine events as a pure function."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from automation._report import (
    MARKER,
    ChangeKind,
    PropertyChange,
    ResourceDiff,
    TenantPreview,
    parse_event_lines,
    read_event_log,
    render_markdown,
    tenant_preview_from_events,
)
from automation._results import ChangeCounts

DATA = Path(__file__).parent / "data" / "report"
SECRET_CANARIES = ("canary-OLD-3f9a1c-plaintext", "canary-NEW-8b2e7d-plaintext")
FIXTURES = {
    "acme-dev-update": ("acme", "dev"),
    "beta-dev-create": ("beta", "dev"),
    "gamma-staging-delete": ("gamma", "staging"),
    "globex-prod-rollout": ("globex", "prod"),
}
TABLE_HEADER = "| Tenant | Stack | Create | Update | Replace | Delete | Status |"


def preview(name: str, tenant: str | None = None, environment: str | None = None) -> TenantPreview:
    default_tenant, default_environment = FIXTURES.get(name, ("delta", "dev"))
    tenant, environment = tenant or default_tenant, environment or default_environment
    ok = name != "delta-dev-failed"
    return tenant_preview_from_events(
        tenant,
        environment,
        f"{tenant}-{environment}",
        read_event_log(DATA / f"{name}.jsonl"),
        ok=ok,
        error=None if ok else "delta-dev: preview failed: the program raised (exit code 255)",
    )


def all_fixtures() -> list[TenantPreview]:
    return [preview(name) for name in [*FIXTURES, "delta-dev-failed"]]


def table_rows(markdown: str) -> list[str]:
    lines = markdown.splitlines()
    start = lines.index(TABLE_HEADER)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def section(markdown: str, stack: str) -> str:
    match = re.search(
        rf"<details(?: open)?>\n<summary><b>{re.escape(stack)}</b>.*?</details>", markdown, re.S
    )
    assert match, f"no section for {stack}"
    return match.group(0)


def huge_preview(stack: str, *, resources: int = 4, keys: int = 300) -> TenantPreview:
    """A tenant whose ConfigMaps each change `keys` long values (built as engine JSON)."""
    tenant, environment = stack.rsplit("-", 1)
    events: list[dict[str, Any]] = []
    for n in range(resources):
        urn = (
            f"urn:pulumi:{stack}::jockey::jockey:kubernetes:Agent$kubernetes:core/v1:ConfigMap"
            f"::{stack}-config-{n}"
        )
        old = {f"KEY_{i:04d}": f"old-{i}-" + "a" * 70 for i in range(keys)}
        new = {f"KEY_{i:04d}": f"new-{i}-" + "b" * 70 for i in range(keys)}

        def state(data: dict[str, str], urn: str = urn) -> dict[str, Any]:
            return {
                "type": "kubernetes:core/v1:ConfigMap",
                "urn": urn,
                "id": "",
                "parent": "",
                "provider": "",
                "custom": True,
                "inputs": {"apiVersion": "v1", "kind": "ConfigMap", "data": data},
                "outputs": {},
            }

        metadata = {
            "op": "update",
            "urn": urn,
            "type": "kubernetes:core/v1:ConfigMap",
            "provider": "",
            "old": state(old),
            "new": state(new),
            "diffs": ["data"],
            "detailedDiff": {
                f"data.KEY_{i:04d}": {"diffKind": "update", "inputDiff": True} for i in range(keys)
            },
        }
        events.append({"sequence": n, "resourcePreEvent": {"metadata": metadata}})
    summary = {"resourceChanges": {"update": resources, "same": 10}}
    events.append({"sequence": resources, "summaryEvent": summary})
    parsed = parse_event_lines(json.dumps(event) for event in events)
    return tenant_preview_from_events(tenant, environment, stack, parsed)


def test_report_opens_with_marker_title_and_summary_table() -> None:
    markdown = render_markdown(all_fixtures())
    lines = markdown.splitlines()

    assert lines[0] == MARKER
    assert lines[1] == "## Jockey preview"
    assert "**5 tenants**: 15 to create, 9 to update, 4 to replace, 1 to delete." in markdown
    assert lines.index(TABLE_HEADER) < markdown[: markdown.index("<details")].count("\n")
    assert table_rows(markdown) == [
        "| acme | `acme-dev` | 0 | 8 | 3 | 0 | ✅ ok |",
        "| beta | `beta-dev` | 15 | 0 | 0 | 0 | ✅ ok |",
        "| delta | `delta-dev` | 0 | 0 | 0 | 0 | ❌ failed |",
        "| gamma | `gamma-staging` | 0 | 0 | 0 | 1 | ✅ ok |",
        "| globex | `globex-prod` | 0 | 1 | 1 | 0 | ✅ ok |",
        "| **Total** |  | **15** | **9** | **4** | **1** |  |",
    ]


def test_one_collapsed_section_per_tenant_failed_ones_open() -> None:
    markdown = render_markdown(all_fixtures())

    summaries = re.findall(r"<summary><b>([^<]+)</b>", markdown)
    assert summaries == ["acme-dev", "beta-dev", "delta-dev", "gamma-staging", "globex-prod"]
    assert markdown.count("\n<details>\n") == 4
    assert markdown.count("\n<details open>\n") == 1
    assert markdown.count("\n</details>\n") == 5
    failed = section(markdown, "delta-dev")
    assert failed.startswith("<details open>")
    assert "delta-dev: preview failed: the program raised (exit code 255)" in failed
    assert "error: preview failed" in failed


def test_resources_list_op_symbol_type_and_name_riskiest_first() -> None:
    acme = section(render_markdown([preview("acme-dev-update")]), "acme-dev")
    resource_lines = [line for line in acme.splitlines() if line.startswith("- `")]

    ops = [line.split()[2] for line in resource_lines]
    assert ops == ["replace"] * 3 + ["update"] * 8
    assert resource_lines[0] == (
        "- `+-` replace `kubernetes:apps/v1:Deployment` `acme-dev-kubernetes-deployment`, "
        "replaced because of `spec.selector`"
    )
    assert "- `~` update `kubernetes:core/v1:Service` `acme-dev-kubernetes-service`" in acme
    gamma = section(render_markdown([preview("gamma-staging-delete")]), "gamma-staging")
    assert (
        "- `-` delete `kubernetes:autoscaling/v2:HorizontalPodAutoscaler` "
        "`gamma-staging-kubernetes-autoscaler`"
    ) in gamma
    beta = section(render_markdown([preview("beta-dev-create")]), "beta-dev")
    assert "- `+` create `kubernetes:core/v1:Namespace` `beta-dev-kubernetes-namespace`" in beta


def test_property_diffs_show_old_to_new_and_what_forces_replacement() -> None:
    markdown = render_markdown([preview("acme-dev-update"), preview("globex-prod-rollout")])

    assert "  - `~ spec.replicas`: `2` → `4`" in markdown
    assert '  - `~ data.LOG_LEVEL`: `"debug"` → `"info"` (forces replacement)' in markdown
    assert '  - `+ data.FEATURE_FLAGS`: `"search,<b>beta</b>|x"` (forces replacement)' in markdown
    assert "  - `~ spec.ports[0].port`: `80` → `8081`" in markdown
    assert (
        "  - `~ spec.template.spec.containers[0].image`: "
        '`"ghcr.io/jockey-dev/echo-agent@sha256:974de92ba445bab86cba471525dacfaa261612316766d6929e'
        '4c8538fbd67c63"` → `"ghcr.io/jockey-dev/echo-agent@sha256:5d41402abc4b2a76b9719d911017c'
        '592ae2f1e9f7c3a6b1d2e4f5a6b7c8d9e0f"`'
    ) in markdown


def test_secret_plaintext_never_appears_and_a_rotation_shows_as_changed() -> None:
    previews = all_fixtures()
    raw = (DATA / "globex-prod-rollout.jsonl").read_text()
    assert all(canary in raw for canary in SECRET_CANARIES)

    for show_outputs in (False, True):
        markdown = render_markdown(previews, show_outputs=show_outputs)
        assert not any(canary in markdown for canary in SECRET_CANARIES)
        globex = section(markdown, "globex-prod")
        assert "  - `~ data.OPENAI_API_KEY`: `[secret]` → `[secret]` (forces replacement)" in globex
    assert "- `openaiApiKeyEcho`: `[secret]`" in render_markdown(previews, show_outputs=True)


def test_outputs_are_hidden_unless_asked_for() -> None:
    globex = [preview("globex-prod-rollout")]

    assert "Stack outputs" not in render_markdown(globex)
    shown = render_markdown(globex, show_outputs=True)
    assert '- `serviceUrl`: `"http://echo-agent.globex-prod.svc.cluster.local:8081"`' in shown


def test_hostile_values_cannot_escape_code_spans_or_the_table() -> None:
    hostile = TenantPreview(
        tenant="evil|<img src=x>",
        environment="dev",
        stack="evil-dev",
        ok=False,
        error="```\n</details>\n<script>alert(1)</script>",
        changes=ChangeCounts(update=1),
        resources=(
            ResourceDiff(
                urn="urn:pulumi:evil-dev::jockey::kubernetes:core/v1:ConfigMap::cfg`x",
                type="kubernetes:core/v1:ConfigMap",
                name="cfg`x",
                op="update",
                properties=(
                    PropertyChange(
                        'data["a`b"]', ChangeKind.UPDATE, "</details>", "``| *x* <!-- y"
                    ),
                ),
            ),
        ),
    )
    markdown = render_markdown([hostile])

    assert "| evil\\|&lt;img src=x&gt; | `evil-dev` |" in markdown
    fence = "````text"  # longer than the error's own ``` run
    before, rest = markdown.split(fence, 1)
    inside, after = rest.split("\n````\n", 1)
    assert "<script>alert(1)</script>" in inside and "</details>" in inside
    assert (before + after).count("</details>\n") == 1  # only the section's own closing tag
    assert "``cfg`x``" in markdown
    assert '- ``~ data["a`b"]``: `"</details>"` → ```"``| *x* <!-- y"```' in markdown


def test_many_tenants_render_in_stack_order_whatever_the_input_order() -> None:
    names = [f"t{n:02d}" for n in range(30)]
    previews = [
        preview(fixture, tenant=name, environment="dev")
        for name, fixture in zip(names, [*FIXTURES] * 8, strict=False)
    ]
    shuffled = previews[:]
    random.Random(7).shuffle(shuffled)

    markdown = render_markdown(previews)
    assert render_markdown(shuffled) == markdown
    stacks = re.findall(r"<summary><b>([^<]+)</b>", markdown)
    assert stacks == sorted(stacks) and len(stacks) == 30
    rows = table_rows(markdown)[:-1]
    assert [row.split("`")[1] for row in rows] == [f"{name}-dev" for name in names]


def test_a_huge_diff_stays_under_the_limit_with_the_summary_intact() -> None:
    previews = [huge_preview(f"big{n:02d}-prod") for n in range(40)]
    previews.append(preview("acme-dev-update"))
    full = render_markdown(previews, max_chars=10_000_000)
    assert len(full) > 1_000_000

    markdown = render_markdown(previews)

    assert len(markdown) <= 64_000
    assert markdown.startswith(MARKER + "\n")
    rows = table_rows(markdown)
    assert len(rows) == 41 + 1
    assert rows == table_rows(full)
    assert "| big07 | `big07-prod` | 0 | 4 | 0 | 0 | ✅ ok |" in rows
    assert "> [!NOTE]\n> Trimmed to stay under 64,000 characters:" in markdown
    # The small tenant keeps its values: the largest sections are trimmed first.
    assert '  - `~ data.LOG_LEVEL`: `"debug"` → `"info"`' in markdown


def test_trimming_drops_values_then_properties_then_sections() -> None:
    big = huge_preview("big-prod", resources=2, keys=60)
    full = render_markdown([big])
    assert '`~ data.KEY_0001`: `"old-1-' in full

    no_values = render_markdown([big], max_chars=len(full) - 1)
    assert "`~ data.KEY_0001`\n" in no_values and "old-1-" not in no_values
    assert "values left out for 1 tenant(s): `big-prod`" in no_values

    no_properties = render_markdown([big], max_chars=len(no_values) - 200)
    assert "KEY_0001" not in no_properties
    assert "`big-prod-config-0` (60 properties)" in no_properties
    assert "property lists left out for 1 tenant(s): `big-prod`" in no_properties

    limit = len(no_properties) - 100
    table_only = render_markdown([big], max_chars=limit)
    assert "<details" not in table_only
    assert "| big | `big-prod` | 0 | 2 | 0 | 0 | ✅ ok |" in table_only
    assert "details left out (summary table only) for 1 tenant(s): `big-prod`" in table_only
    assert len(table_only) <= limit


def test_the_summary_table_is_never_trimmed_even_past_the_limit() -> None:
    previews = [
        preview("acme-dev-update", tenant=f"t{n:03d}", environment="dev") for n in range(60)
    ]

    markdown = render_markdown(previews, max_chars=1_000)

    assert len(table_rows(markdown)) == 60 + 1
    assert "<details" not in markdown
    assert "and 50 more" in markdown  # the note names ten stacks, then counts


def test_long_property_lists_and_values_are_capped_per_resource() -> None:
    big = huge_preview("wide-dev", resources=1, keys=100)

    markdown = render_markdown([big], max_chars=10_000_000)

    assert markdown.count("`~ data.KEY_") == 40
    assert "  - … and 60 more properties" in markdown
    assert max(len(line) for line in markdown.splitlines()) < 400


def test_no_previews_still_renders_the_marker() -> None:
    markdown = render_markdown([])

    assert markdown.splitlines()[:2] == [MARKER, "## Jockey preview"]
    assert "No tenant specs to preview." in markdown
