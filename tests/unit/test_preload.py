"""The worker's preload covers every provider module the program imports (run under mocks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from pathlib import Path
import pulumi
from infra.preload import preload_program
from infra.spec import load_spec_file
from tests.unit.test_program import RecordingMocks

spec = load_spec_file(Path(sys.argv[1]))
preload_program(spec)
before = set(sys.modules)
pulumi.runtime.set_mocks(RecordingMocks(), project="jockey", stack=spec.stack_name, preview=False)

@pulumi.runtime.test
def run():
    from infra.program import deploy
    deploy(spec, {name: "value" for name in spec.agent.secret_env}, None)

run()
prefixes = ("pulumi_kubernetes", "pulumi_aws", "pulumi_docker", "infra")
print(json.dumps(sorted(m for m in set(sys.modules) - before if m.startswith(prefixes))))
"""


def test_the_program_imports_nothing_the_preload_missed() -> None:
    """Both targets, an image build, HPA and PDB: every provider module the program touches."""
    spec = REPO / "examples" / "prod-acme.yaml"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(spec)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(Path.home())},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    missed = json.loads(done.stdout.strip().splitlines()[-1])
    assert missed == [], f"add these to infra/preload.py: {missed}"
