"""The per-stack lease: serialised holders, fail fast or wait, dead holders taken over."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from automation._errors import StackBusyError
from automation._lease import hold_lease, read_holder


def test_second_holder_fails_fast_naming_the_holder(tmp_path: Path) -> None:
    with hold_lease(tmp_path, "acme-dev", operation="up", wait_seconds=0):
        with (
            pytest.raises(StackBusyError) as caught,
            hold_lease(tmp_path, "acme-dev", operation="preview", wait_seconds=0),
        ):
            pass
        assert "up by pid" in str(caught.value)
        assert caught.value.stack == "acme-dev"
        assert caught.value.exit_code == 4


def test_second_holder_waits_for_the_first(tmp_path: Path) -> None:
    order: list[str] = []

    def first() -> None:
        with hold_lease(tmp_path, "acme-dev", operation="up", wait_seconds=0):
            order.append("first-start")
            time.sleep(0.6)
            order.append("first-end")

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.2)
    with hold_lease(tmp_path, "acme-dev", operation="up", wait_seconds=5):
        order.append("second")
    thread.join()
    assert order == ["first-start", "first-end", "second"]


def test_other_stacks_are_independent(tmp_path: Path) -> None:
    with (
        hold_lease(tmp_path, "acme-dev", operation="up", wait_seconds=0),
        hold_lease(tmp_path, "globex-dev", operation="up", wait_seconds=0),
    ):
        assert read_holder(tmp_path, "acme-dev") is not None
    assert read_holder(tmp_path, "acme-dev") is None


def test_a_dead_holder_is_taken_over_and_reported(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from automation._lease import hold_lease\n"
            "with hold_lease(Path(sys.argv[1]), 'acme-dev', operation='up', wait_seconds=0):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    with (
        pytest.raises(StackBusyError),
        hold_lease(tmp_path, "acme-dev", operation="up", wait_seconds=0),
    ):
        pass
    holder.kill()  # kill -9: no clean release
    holder.wait()
    with hold_lease(tmp_path, "acme-dev", operation="up", wait_seconds=2) as lease:
        assert lease.taken_over is not None
        assert lease.taken_over.pid == holder.pid
    record = tmp_path / "acme-dev.json"
    assert not record.exists(), "a clean release removes the record"
    with hold_lease(tmp_path, "acme-dev", operation="up", wait_seconds=0) as lease:
        assert lease.taken_over is None
