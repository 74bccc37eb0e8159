"""What every agent process gets, wherever it runs (image, Lambda, Kubernetes).

The user it runs as and its base environment, including the Lambda Web Adapter's settings.
"""

from __future__ import annotations

from infra.spec import AgentSpec

RUN_AS_ID = 10001
"""The non-root user and group id the agent runs as (in the image and in pods)."""


def agent_environment(agent: AgentSpec) -> dict[str, str]:
    """The variables every runtime sets.

    The port, the adapter's port and readiness path, and the agent's name and version.
    """
    return {
        "PORT": str(agent.port),
        "AWS_LWA_PORT": str(agent.port),
        "AWS_LWA_READINESS_CHECK_PATH": agent.health_path,
        "AGENT_NAME": agent.name,
        "AGENT_VERSION": agent.version,
    }


__all__ = ["RUN_AS_ID", "agent_environment"]
