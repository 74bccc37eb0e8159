"""The PostgreSQL lease against a real PostgreSQL.

Serialised across machines (separate lease folders), freed the moment its holder dies, taken
over and reported, repairs carried over.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from automation._errors import StackBusyError
from automation._lease import hold_lease, read_holder
from automation.remote._lease_pg import NEEDS_REPAIR_SUFFIX, hold_shared_lease
from tests.engine.remote_support import REPO, Services, shared_services, wait_for


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """PostgreSQL and Redis from `scripts/services up` (once per session, down at its end)."""
    return shared_services(tmp_path_factory.mktemp("services"))


@pytest.fixture
def stack() -> str:
    """A stack name no other test uses."""
    return f"lease{uuid.uuid4().hex[:8]}-dev"


def test_holders_on_two_machines_run_one_after_the_other(
    services: Services, stack: str, tmp_path: Path
) -> None:
    order: list[str] = []

    def first() -> None:
        with hold_lease(
            tmp_path / "a", stack, operation="up", wait_seconds=0, lease_url=services.database_url
        ):
            order.append("first-start")
            time.sleep(1.0)
            order.append("first-end")

    thread = threading.Thread(target=first)
    thread.start()
    wait_for(lambda: order, 10, "the first holder")
    with hold_lease(
        tmp_path / "b", stack, operation="up", wait_seconds=10, lease_url=services.database_url
    ) as lease:
        order.append("second")
        assert lease.taken_over is None
    thread.join()
    assert order == ["first-start", "first-end", "second"]


def test_a_busy_stack_fails_fast_naming_the_holder_on_its_machine(
    services: Services, stack: str, tmp_path: Path
) -> None:
    url = services.database_url
    with hold_lease(tmp_path / "a", stack, operation="up", wait_seconds=0, lease_url=url) as held:
        assert read_holder(tmp_path / "b", stack, url) == held.record
        with (
            pytest.raises(StackBusyError) as caught,
            hold_lease(tmp_path / "b", stack, operation="preview", wait_seconds=0, lease_url=url),
        ):
            pass
    assert f"up by pid {held.record.pid} on {held.record.host}" in str(caught.value)
    assert caught.value.exit_code == 4
    assert read_holder(tmp_path / "b", stack, url) is None


def test_a_killed_holder_frees_the_lease_at_once_and_is_taken_over(
    services: Services, stack: str, tmp_path: Path
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from automation._lease import hold_lease\n"
            "with hold_lease(Path(sys.argv[1]), sys.argv[2], operation='up', wait_seconds=0,"
            " lease_url=sys.argv[3]):\n"
            "    print('held', flush=True); time.sleep(120)",
            str(tmp_path / "a"),
            stack,
            services.database_url,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    holder.kill()  # kill -9: no release, the session just ends
    holder.wait()
    started = time.monotonic()
    with hold_lease(
        tmp_path / "b", stack, operation="up", wait_seconds=10, lease_url=services.database_url
    ) as lease:
        assert lease.taken_over is not None and lease.taken_over.pid == holder.pid
    assert time.monotonic() - started < 5, "a dead holder's lease is free at once"
    with hold_lease(
        tmp_path / "c", stack, operation="up", wait_seconds=0, lease_url=services.database_url
    ) as lease:
        assert lease.taken_over is None, "a clean release leaves nothing to take over"


def test_a_pending_repair_crosses_machines_and_the_fence_grows(
    services: Services, stack: str, tmp_path: Path
) -> None:
    url = services.database_url
    with hold_lease(tmp_path / "a", stack, operation="up", wait_seconds=0, lease_url=url) as a:
        (tmp_path / "a" / f"{stack}{NEEDS_REPAIR_SUFFIX}").touch()  # the engine was killed
    assert not (tmp_path / "a" / f"{stack}{NEEDS_REPAIR_SUFFIX}").exists(), "the row carries it"
    with hold_lease(tmp_path / "b", stack, operation="up", wait_seconds=0, lease_url=url) as b:
        marker = tmp_path / "b" / f"{stack}{NEEDS_REPAIR_SUFFIX}"
        assert marker.exists(), "machine b learns that the stack needs repair"
        marker.unlink()  # what a successful repair does
    with hold_lease(tmp_path / "c", stack, operation="up", wait_seconds=0, lease_url=url) as c:
        assert not (tmp_path / "c" / f"{stack}{NEEDS_REPAIR_SUFFIX}").exists()
    assert a.fence is not None and b.fence is not None and c.fence is not None
    assert a.fence < b.fence < c.fence


def test_a_holder_whose_session_is_lost_is_told_and_the_stack_is_taken_over(
    services: Services, stack: str, tmp_path: Path
) -> None:
    lost: list[str] = []
    url = services.database_url
    with hold_shared_lease(
        url, tmp_path / "a", stack, operation="up", wait_seconds=0, on_lost=lost.append
    ) as held:
        services.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            f"jockey lease {stack}",
        )
        wait_for(lambda: lost, 15, "the holder to notice its lost session")
        with hold_lease(
            tmp_path / "b", stack, operation="up", wait_seconds=0, lease_url=url
        ) as lease:
            assert lease.taken_over == held.record
    assert "stopped answering" in lost[0]
