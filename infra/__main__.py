"""`pulumi up` entry point: read the stack's config into a spec and run the program."""

from __future__ import annotations

from pathlib import Path

import pulumi

from infra.program import deploy
from infra.spec import SpecError, format_problems, spec_from_stack_config

_SECTIONS = ("tenant", "agent", "lambda", "kubernetes")


def main() -> None:
    """Build the stack's resources from `jockey:tenant|agent|lambda|kubernetes`."""
    config = pulumi.Config("jockey")
    objects = {name: config.get_object(name) for name in _SECTIONS}
    project_dir = Path(pulumi.get_root_directory())
    try:
        spec = spec_from_stack_config(
            {name: value for name, value in objects.items() if value is not None}, project_dir
        )
    except SpecError as error:
        # The problems' paths already read `jockey:<section>.<field>`, as the keys are
        # written in Pulumi.<stack>.yaml; nothing has been registered.
        lines = "\n".join(f"  {line}" for line in format_problems(error))
        raise pulumi.RunError(f"invalid Jockey config in this stack:\n{lines}") from None
    secret_env = {
        name: config.require_secret(source.from_config)
        for name, source in spec.agent.secret_env.items()
        if source.from_config is not None
    }
    deploy(spec, secret_env)


main()
