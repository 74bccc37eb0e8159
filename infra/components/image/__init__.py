"""The agent image: the unified Dockerfile, the build context's hash, build and push.

The renderer and the context hashing are plain Python; `AgentImage` (which needs the
Pulumi SDK and its AWS and Docker packages) loads on first use, so `jockey dockerfile`
starts without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.components._runtime import RUN_AS_ID
from infra.components.image._context import DockerIgnore, context_files, context_hash
from infra.components.image._dockerfile import (
    DEFAULT_DOCKERIGNORE,
    LAMBDA_ADAPTER_IMAGE,
    LAMBDA_ADAPTER_PATH,
    PYTHON_BASE_IMAGES,
    base_image,
    render_dockerfile,
    render_dockerignore,
)

if TYPE_CHECKING:
    from infra.components.image._component import (
        AgentImage,
        AgentImageArgs,
        image_tag,
        write_dockerfile,
    )

_LAZY = frozenset({"AgentImage", "AgentImageArgs", "image_tag", "write_dockerfile"})

__all__ = [
    "DEFAULT_DOCKERIGNORE",
    "LAMBDA_ADAPTER_IMAGE",
    "LAMBDA_ADAPTER_PATH",
    "PYTHON_BASE_IMAGES",
    "RUN_AS_ID",
    "AgentImage",
    "AgentImageArgs",
    "DockerIgnore",
    "base_image",
    "context_files",
    "context_hash",
    "image_tag",
    "render_dockerfile",
    "render_dockerignore",
    "write_dockerfile",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from infra.components.image import _component

        return getattr(_component, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
