"""Jockey's benchmarks: each prints its figures (no pass/fail; see README "Performance").

    .venv/bin/python bench/run.py [startup|overhead|noop|fanout|scale|memory|all] [--runs N]

Every benchmark runs the real engine against a throwaway `file://` backend with the
Kubernetes provider rendering into the temporary spec folder (`specs/out/<tenant>`: a spec's
paths must stay inside its folder).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
JOCKEY = str(Path(sys.executable).parent / "jockey")
IMAGE = "ghcr.io/jockey-dev/echo-agent@sha256:" + "cd" * 32
SECRET = "bench-secret-value"


def _spec(tenant: str, out: Path, replicas: int = 1) -> dict[str, object]:
    return {
        "tenant": {"id": tenant, "organization": "bench-org", "environment": "dev"},
        "agent": {
            "name": "echo-agent",
            "version": "1.0.0",
            "env": {"LOG_LEVEL": "info"},
            "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "BENCH_OPENAI_KEY"}},
            "image": {"ref": IMAGE},
        },
        "kubernetes": {
            "enabled": True,
            "cluster": {"renderDir": str(out / tenant)},
            "replicas": replicas,
            "resources": {
                "cpuRequest": "100m",
                "cpuLimit": "200m",
                "memoryRequest": "64Mi",
                "memoryLimit": "128Mi",
            },
            "quota": {"cpu": "2", "memory": "2Gi", "pods": 10},
        },
    }


@contextmanager
def sandbox() -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary JOCKEY_HOME (with its file backend) and the environment to use it."""
    root = Path(tempfile.mkdtemp(prefix="jockey-bench-"))
    env = {
        **os.environ,
        "JOCKEY_HOME": str(root / "home"),
        "PULUMI_CONFIG_PASSPHRASE": "bench-passphrase",
        "BENCH_OPENAI_KEY": SECRET,
    }
    env.pop("PULUMI_BACKEND_URL", None)
    env.pop("KUBECONFIG", None)
    try:
        yield root, env
    finally:
        shutil.rmtree(root, ignore_errors=True)


def spec_dir(root: Path) -> Path:
    """The sandbox's spec folder: spec files, and the `out/` folder they render into."""
    return root / "specs"


def write_specs(root: Path, count: int, prefix: str = "tenant") -> list[Path]:
    """`count` tenant spec files in the spec folder, each rendering to `out/<tenant>` in it."""
    specs = []
    folder = spec_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        path = folder / f"{prefix}{index:03d}.yaml"
        path.write_text(yaml.safe_dump(_spec(f"{prefix}{index:03d}", folder / "out")))
        specs.append(path)
    return specs


def timed(command: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Seconds one command takes; fails loudly."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


RUNS: int | None = None
"""Timed runs per figure (`--runs`); `None`: each benchmark's own default."""


def median_of(runs: int, action: Callable[[], float]) -> float:
    """The median of `runs` timings (`--runs` overrides `runs`)."""
    return statistics.median(action() for _ in range(RUNS or runs))


def bench_startup() -> None:
    """CLI start-up: no engine imports on --help and validate."""
    env = dict(os.environ)
    help_s = median_of(7, lambda: timed([JOCKEY, "--help"], env))
    validate_s = median_of(
        7, lambda: timed([JOCKEY, "validate", str(REPO / "examples" / "acme.yaml")], env)
    )
    print(f"startup: jockey --help {help_s:.3f}s (target <= 0.5s)")
    print(f"startup: jockey validate {validate_s:.3f}s (target <= 1s)")


def _engine_env(base: dict[str, str]) -> dict[str, str]:
    sys.path.insert(0, str(REPO))
    from automation._toolchain import find_toolchain

    return find_toolchain().env(base)


def bench_overhead() -> None:
    """`jockey preview` vs raw `pulumi preview` of the same stack and state."""
    with sandbox() as (root, env):
        (spec,) = write_specs(root, 1, "overhead")
        timed([JOCKEY, "up", str(spec), "--yes"], env)
        stack = "overhead000-dev"
        # The raw stack's config confines paths to its project folder, and must render to
        # the same folder as the spec (else the provider differs): the spec folder is both.
        project = spec_dir(root)
        shutil.copy(REPO / "Pulumi.yaml", project)
        (project / "infra").symlink_to(REPO / "infra")
        (project / ".venv").symlink_to(Path(sys.prefix))
        settings = root / "home" / "stacks" / stack / f"Pulumi.{stack}.yaml"
        shutil.copy(settings, project / f"Pulumi.{stack}.yaml")
        engine_env = _engine_env(env)
        engine_env["PULUMI_BACKEND_URL"] = f"file://{root / 'home' / 'state'}"
        raw_spec = _spec("overhead000", project / "out")
        raw_spec["agent"]["secretEnv"] = {  # type: ignore[index]
            "OPENAI_API_KEY": {"fromConfig": "openaiApiKey"}
        }
        pulumi = shutil.which("pulumi", path=engine_env["PATH"]) or "pulumi"
        for section in ("tenant", "agent", "kubernetes"):
            timed(
                [
                    pulumi,
                    "config",
                    "set",
                    "--stack",
                    stack,
                    f"jockey:{section}",
                    json.dumps(raw_spec[section]),
                ],
                engine_env,
                project,
            )
        timed(
            [pulumi, "config", "set", "--stack", stack, "--secret", "jockey:openaiApiKey", SECRET],
            engine_env,
            project,
        )
        raw = [pulumi, "preview", "--stack", stack, "--non-interactive", "--expect-no-changes"]
        wrapped = [JOCKEY, "preview", str(spec), "--json"]
        timed(raw, engine_env, project)  # warm caches
        raw_s = median_of(5, lambda: timed(raw, engine_env, project))
        jockey_s = median_of(5, lambda: timed(wrapped, env))
        print(
            f"overhead: pulumi preview {raw_s:.2f}s, jockey preview {jockey_s:.2f}s, "
            f"ratio {jockey_s / raw_s:.2f}x (target <= 1.05x)"
        )


def bench_noop() -> None:
    """A no-op `up` against a `preview` of the same tenant."""
    with sandbox() as (root, env):
        (spec,) = write_specs(root, 1, "noop")
        timed([JOCKEY, "up", str(spec), "--yes"], env)
        up_s = median_of(5, lambda: timed([JOCKEY, "up", str(spec), "--yes"], env))
        preview_s = median_of(5, lambda: timed([JOCKEY, "preview", str(spec)], env))
        print(f"noop: up {up_s:.2f}s, preview {preview_s:.2f}s, ratio {up_s / preview_s:.2f}x")


def bench_fanout() -> None:
    """8 tenants, --parallel 2 against --parallel 1."""
    with sandbox() as (root, env):
        specs = [str(s) for s in write_specs(root, 8)]
        timed([JOCKEY, "up", *specs, "--yes", "--parallel", "2"], env)
        serial = timed([JOCKEY, "preview", *specs, "--parallel", "1"], env)
        parallel = timed([JOCKEY, "preview", *specs, "--parallel", "2"], env)
        print(
            f"fanout: 8 tenants preview parallel 1 {serial:.1f}s, parallel 2 {parallel:.1f}s, "
            f"speed-up {serial / parallel:.2f}x (target >= 1.8x on 2 cores)"
        )


def bench_scale() -> None:
    """Per-tenant cost of `preview` from 10 to 100 tenants (should stay flat)."""
    with sandbox() as (root, env):
        for count in (10, 100):
            specs = [str(s) for s in write_specs(root, count, f"s{count}x")]
            timed([JOCKEY, "up", *specs, "--yes", "--parallel", "2"], env)
            elapsed = timed([JOCKEY, "preview", *specs, "--parallel", "2"], env)
            print(f"scale: {count} tenants preview {elapsed:.1f}s, {elapsed / count:.2f}s/tenant")


def bench_memory() -> None:
    """Peak resident memory of one worker (and its engine) during an `up`."""
    with sandbox() as (root, env):
        (spec,) = write_specs(root, 1, "memory")
        timed([JOCKEY, "up", str(spec), "--yes"], env)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"memory: peak RSS of the largest process (worker or engine) {children / 1024:.0f} MiB"
        )


BENCHES = {
    "startup": bench_startup,
    "overhead": bench_overhead,
    "noop": bench_noop,
    "fanout": bench_fanout,
    "scale": bench_scale,
    "memory": bench_memory,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line: benchmark names (default: all) and `--runs`."""
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Jockey's benchmarks on the real engine; each prints its figures.",
        epilog="\n".join(
            f"  {name:<9} {(bench.__doc__ or '').strip()}" for name, bench in BENCHES.items()
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "benches",
        nargs="*",
        metavar="BENCH",
        help=f"which to run: {', '.join(BENCHES)} or all (default: all)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        metavar="N",
        help="timed runs per median (default: each benchmark's own, 5 or 7); 1 is quickest",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.benches) - {*BENCHES, "all"})
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHES)}, all)"
        )
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str]) -> None:
    """Run the named benchmarks (default: all)."""
    global RUNS
    args = parse_args(argv)
    RUNS = args.runs
    names = args.benches or ["all"]
    for name in BENCHES if "all" in names else names:
        BENCHES[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
