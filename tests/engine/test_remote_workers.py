"""Celery workers on real Redis and PostgreSQL.

Two or more workers with separate homes (machines), their faults (kill -9, Redis and
PostgreSQL restarts), and the secret canary.
"""

from __future__ import annotations

import base64
import gzip
import json
import signal
import threading
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import redis

import automation
from automation._api import failed_result
from automation._events import EventKind, OperationEvent
from automation._results import OperationResult
from automation.remote import RemoteBatch, RemoteOperation, operation_request
from infra.spec import load_spec_file
from tests.engine.engine_support import CANARY, PASSPHRASE, manifests
from tests.engine.remote_support import (
    RemoteFleet,
    Services,
    json_lines,
    shared_services,
    wait_for,
)


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """PostgreSQL and Redis from `scripts/services up` (once per session, down at its end)."""
    return shared_services(tmp_path_factory.mktemp("services"))


@pytest.fixture
def fleet(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RemoteFleet]:
    """This test's queue and state table; the test process is a client (it submits)."""
    fleet = RemoteFleet(services, tmp_path)
    monkeypatch.setenv("JOCKEY_QUEUE", fleet.queue)
    monkeypatch.setenv("JOCKEY_BROKER_URL", services.broker_url)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("ACME_TEST_OPENAI_KEY", CANARY)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    yield fleet
    fleet.stop_all()


def _result(completed: object) -> dict[str, object]:
    lines = json_lines(getattr(completed, "stdout", ""))
    results = [line for line in lines if line["kind"] == "result"]
    assert len(results) == 1, f"one result expected:\n{completed}"
    return results[0]


def _follow(handle: RemoteOperation) -> list[OperationEvent]:
    """Collect the handle's events on a thread (the list fills while the test goes on)."""
    events: list[OperationEvent] = []
    threading.Thread(target=lambda: events.extend(handle.events()), daemon=True).start()
    return events


def _engine_running(events: list[OperationEvent]) -> bool:
    return any(event.kind is EventKind.RESOURCE_PRE for event in list(events))


def _preview_changes(fleet: RemoteFleet, spec: Path) -> int:
    done = fleet.jockey("preview", str(spec), "--json")
    assert done.returncode == 0, done.stderr
    changes = _result(done)["changes"]
    assert isinstance(changes, dict)
    return sum(count for kind, count in changes.items() if kind != "same")


def test_any_worker_runs_any_tenant_with_settings_rebuilt_from_the_backend(
    fleet: RemoteFleet,
) -> None:
    machine_a = fleet.start_worker("machine-a")
    spec = fleet.tenants.write("alpha")
    done = fleet.jockey("up", str(spec), "--yes", "--json", "--events")
    assert done.returncode == 0, done.stderr
    result = _result(done)
    assert result["ok"] and result["changes"]["create"] > 0  # type: ignore[index]
    assert any(line["kind"] == "event" for line in json_lines(done.stdout))
    settings_a = (machine_a.home / "stacks" / "alpha-dev" / "Pulumi.alpha-dev.yaml").read_text()
    machine_a.stop()

    machine_b = fleet.start_worker("machine-b")  # has never seen the tenant
    fleet.tenants.write("alpha", replicas=2)
    done = fleet.jockey("up", str(spec), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert _result(done)["changes"]["update"] >= 1  # type: ignore[index]
    settings_b = (machine_b.home / "stacks" / "alpha-dev" / "Pulumi.alpha-dev.yaml").read_text()
    salt = next(line for line in settings_a.splitlines() if line.startswith("encryptionsalt:"))
    assert salt in settings_b, "machine b read the stack's secrets settings from the backend"

    done = fleet.jockey("destroy", "--tenant", "alpha", "--env", "dev", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert _result(done)["changes"]["delete"] > 0  # type: ignore[index]
    assert manifests(fleet.tenants.out / "alpha") == []


def test_same_stack_operations_from_two_clients_never_overlap(fleet: RemoteFleet) -> None:
    fleet.start_worker("machine-a")
    fleet.start_worker("machine-b")
    spec = fleet.tenants.write("beta")
    clients = [fleet.start_jockey("up", str(spec), "--yes", "--json") for _ in range(2)]
    outputs = [client.communicate(timeout=600) for client in clients]
    for client, (stdout, stderr) in zip(clients, outputs, strict=True):
        assert client.returncode == 0, stderr
        assert json_lines(stdout)[-1]["ok"]
    history = fleet.pulumi("stack", "history", "--stack", "beta-dev")
    updates = sorted((item["startTime"], item["endTime"]) for item in history)
    assert len(updates) == 2
    assert updates[0][1] <= updates[1][0], f"the two updates overlapped: {updates}"


def test_a_worker_killed_mid_up_is_redelivered_repaired_and_completed(fleet: RemoteFleet) -> None:
    fleet.visibility_timeout = 15  # how soon Redis hands an unacknowledged task out again
    fleet.start_worker("machine-a")
    fleet.start_worker("machine-b")
    reference = fleet.tenants.write("delta")
    done = fleet.jockey("up", str(reference), "--yes", "--json")
    assert done.returncode == 0, done.stderr

    spec = load_spec_file(fleet.tenants.write("gamma"))
    handle = automation.submit("up", spec)
    events = _follow(handle)
    wait_for(lambda: _engine_running(events), 180, "the engine to start creating")
    victim = wait_for(lambda: fleet.worker_running("gamma-dev"), 30, "the worker holding gamma")
    victim.kill9()

    result = handle.result(timeout=300)
    assert result.ok, result.error
    assert result.repaired, "the redelivered operation repaired what the killed one left"
    survivor = next(worker for worker in fleet.workers if worker is not victim)
    assert "gamma-dev up: starting" in survivor.log.read_text()
    gamma = manifests(fleet.tenants.out / "gamma")
    delta = manifests(fleet.tenants.out / "delta")
    assert sorted(p.name.replace("gamma", "delta") for p in gamma) == sorted(p.name for p in delta)
    assert _preview_changes(fleet, fleet.tenants.spec_dir / "gamma.yaml") == 0


def test_ctrl_c_on_the_client_interrupts_the_engine_on_the_worker(fleet: RemoteFleet) -> None:
    worker = fleet.start_worker("machine-a")
    queued = fleet.tenants.write("nu")
    spec = fleet.tenants.write("xi")
    client = fleet.start_jockey("up", str(spec), str(queued), "--yes", "--json")
    wait_for(lambda: fleet.holder_pid("xi-dev") or fleet.holder_pid("nu-dev"), 180, "a run")
    running = "xi-dev" if fleet.holder_pid("xi-dev") else "nu-dev"
    client.send_signal(signal.SIGINT)
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 1, stderr
    results = {line["stack"]: line for line in json_lines(stdout) if line["kind"] == "result"}
    assert set(results) == {"xi-dev", "nu-dev"}
    assert all(line["cancelled"] and not line["ok"] for line in results.values())
    other = "nu-dev" if running == "xi-dev" else "xi-dev"
    assert results[other]["error"] == "cancelled before it started"
    wait_for(lambda: worker.tree() == [worker.pid], 60, "the worker's engine to be stopped")
    assert fleet.holder_pid(running) is None, "the lease was released"


def test_a_batch_can_cancel_only_what_no_worker_has_taken(fleet: RemoteFleet) -> None:
    fleet.start_worker("machine-a")
    batch = RemoteBatch()
    specs = [load_spec_file(fleet.tenants.write(name)) for name in ("omicron", "pi")]
    results = batch.run([operation_request("up", spec) for spec in specs], failed_result)
    collected: list[OperationResult] = []
    thread = threading.Thread(target=lambda: collected.extend(results), daemon=True)
    thread.start()
    running = wait_for(
        lambda: next((s.stack_name for s in specs if batch.started(s.stack_name)), None),
        180,
        "a worker to take one",
    )
    batch.cancel_pending()
    thread.join(300)
    by_stack = {result.stack: result for result in collected}
    assert by_stack[running].ok, "the running operation went on"
    (waiting,) = set(by_stack) - {running}
    assert by_stack[waiting].cancelled and by_stack[waiting].error == "cancelled before it started"
    assert not batch.started(waiting)


def test_redis_restarted_mid_run_loses_no_operation(fleet: RemoteFleet) -> None:
    fleet.start_worker("machine-a")
    fleet.start_worker("machine-b")
    specs = [str(fleet.tenants.write(name)) for name in ("eta", "theta", "iota", "kappa")]
    client = fleet.start_jockey("up", *specs, "--yes", "--json")
    wait_for(
        lambda: any(fleet.holder_pid(f"{name}-dev") for name in ("eta", "theta", "iota", "kappa")),
        180,
        "an operation to run",
    )
    fleet.services.restart("redis")
    stdout, stderr = client.communicate(timeout=900)
    assert client.returncode == 0, stderr
    results = [line for line in json_lines(stdout) if line["kind"] == "result"]
    assert sorted(str(line["stack"]) for line in results) == [
        "eta-dev",
        "iota-dev",
        "kappa-dev",
        "theta-dev",
    ]
    assert all(line["ok"] for line in results)


def test_postgres_restarted_mid_up_fails_that_operation_cleanly_and_the_next_repairs(
    fleet: RemoteFleet,
) -> None:
    fleet.start_worker("machine-a")
    spec = load_spec_file(fleet.tenants.write("lambda"))
    handle = automation.submit("up", spec)
    events = _follow(handle)
    wait_for(lambda: _engine_running(events), 180, "the engine to start creating")
    fleet.services.restart("postgres")
    failed = handle.result(timeout=300)
    assert not failed.ok and failed.error

    again = automation.submit("up", spec).result(timeout=300)
    assert again.ok, again.error
    assert again.repaired, "the next operation repaired the interrupted one"
    assert _preview_changes(fleet, fleet.tenants.spec_dir / "lambda.yaml") == 0


_Reply = TypeVar("_Reply")


def _now(reply: Awaitable[_Reply] | _Reply) -> _Reply:
    """A reply of the synchronous client (redis-py types every reply as maybe awaitable)."""
    assert not isinstance(reply, Awaitable)
    return reply


def _redis_text(client: redis.Redis) -> str:
    chunks: list[str] = []
    for key in client.scan_iter(count=1000):
        kind = _now(client.type(key))
        if kind == "string":
            chunks.append(str(_now(client.get(key))))
        elif kind == "list":
            chunks.extend(map(str, _now(client.lrange(key, 0, -1))))
        elif kind == "hash":
            chunks.extend(map(str, _now(client.hgetall(key)).items()))
        elif kind == "set":
            chunks.extend(map(str, _now(client.smembers(key))))
        elif kind == "zset":
            chunks.extend(map(str, _now(client.zrange(key, 0, -1))))
        elif kind == "stream":
            chunks.extend(map(str, _now(client.xrange(key))))
    return "\n".join(chunks)


def _blob(row: str) -> str:
    """A state row as the engine wrote it (the backend keeps each blob base64-encoded)."""
    raw = base64.b64decode(json.loads(row)["data"])
    return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode(errors="replace")


def _bytes_under(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())


def test_the_secret_canary_never_reaches_the_broker_results_or_database(
    fleet: RemoteFleet,
) -> None:
    worker = fleet.start_worker("machine-a")
    spec = fleet.tenants.write("mu")
    for command in (("up", "--yes"), ("preview",)):
        done = fleet.jockey(*command, str(spec), "--json", "--events")
        assert done.returncode == 0, done.stderr
        assert CANARY not in done.stdout + done.stderr
    handle = automation.submit("up", load_spec_file(spec))
    assert list(handle.events()) and handle.result(timeout=300).ok

    secret = next(p for p in manifests(fleet.tenants.out / "mu") if "v1-secret" in p.name)
    encoded = base64.b64encode(CANARY.encode()).decode()
    assert CANARY in secret.read_text() or encoded in secret.read_text(), "the value did arrive"

    client = redis.Redis.from_url(fleet.services.broker_url, decode_responses=True)
    client.bgrewriteaof()  # type: ignore[no-untyped-call]  # unannotated in redis-py
    time.sleep(1.0)
    broker = _redis_text(client)
    assert "mu-dev" in broker, "the scan sees the operations' keys"
    assert CANARY not in broker and encoded not in broker
    redis_files = _bytes_under(fleet.services.dir / "redis")
    assert CANARY.encode() not in redis_files and encoded.encode() not in redis_files

    rows = fleet.services.query(f"SELECT key, data::text FROM {fleet.table}")
    state = "\n".join(f"{key} {data} {_blob(data)}" for key, data in rows)
    assert "mu-dev" in state and "ciphertext" in state, "the state holds the secret, encrypted"
    assert CANARY not in state and encoded not in state
    leases = fleet.services.query("SELECT stack, holder::text FROM jockey_leases")
    assert CANARY not in repr(leases)
    assert CANARY not in worker.log.read_text()


def _sync_lines(stdout: str) -> tuple[dict[str, dict[str, object]], dict[str, object]]:
    lines = json_lines(stdout)
    results = {line["stack"]: line for line in lines if line["kind"] == "result"}
    (summary,) = [line for line in lines if line["kind"] == "summary"]
    return results, summary


def test_sync_queues_its_tenants_for_the_workers_and_prunes_through_them(
    fleet: RemoteFleet,
) -> None:
    workers = [fleet.start_worker("machine-a"), fleet.start_worker("machine-b")]
    specs = [str(fleet.tenants.write(name)) for name in ("rho", "sigma")]
    done = fleet.jockey("sync", *specs, "--yes", "--json")
    assert done.returncode == 0, done.stderr
    results, summary = _sync_lines(done.stdout)
    assert summary["create"] == 2 and summary["failed"] == 0
    assert {stack: line["outcome"] for stack, line in results.items()} == {
        "rho-dev": "done",
        "sigma-dev": "done",
    }
    for stack in results:
        assert any(f"{stack} up: starting" in w.log.read_text() for w in workers), stack
    assert not (fleet.tenants.home / "stacks" / "rho-dev").exists(), "nothing ran on the client"

    done = fleet.jockey("sync", *specs, "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert _sync_lines(done.stdout)[1]["unchanged"] == 2

    done = fleet.jockey("sync", specs[0], "--prune", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    results, summary = _sync_lines(done.stdout)
    assert summary["pruned"] == 1 and results["sigma-dev"]["pruned"]
    assert any("sigma-dev destroy: starting" in w.log.read_text() for w in workers)
    assert manifests(fleet.tenants.out / "sigma") == []
    stacks = {stack["name"] for stack in fleet.pulumi("stack", "ls", "--all")}
    assert "sigma-dev" not in stacks and "rho-dev" in stacks


def test_a_queued_sync_interrupted_once_finishes_what_runs_and_starts_nothing_more(
    fleet: RemoteFleet,
) -> None:
    fleet.start_worker("machine-a")  # one operation at a time: the second waits in the queue
    specs = [str(fleet.tenants.write(name)) for name in ("tau", "upsilon")]
    client = fleet.start_jockey("sync", *specs, "--yes", "--json")
    running = wait_for(
        lambda: next((s for s in ("tau-dev", "upsilon-dev") if fleet.holder_pid(s)), None),
        180,
        "a worker to take one",
    )
    client.send_signal(signal.SIGINT)
    stdout, stderr = client.communicate(timeout=300)
    assert client.returncode == 1, stderr
    assert "interrupted: letting the running tenants finish" in stderr
    results, summary = _sync_lines(stdout)
    assert results[running]["outcome"] == "done"
    (waiting,) = set(results) - {running}
    assert results[waiting]["outcome"] == "untouched"
    assert summary["interrupted"] and summary["done"] == [running]
    assert summary["untouched"] == [waiting]
    assert manifests(fleet.tenants.out / waiting.removesuffix("-dev")) == []
