"""The example agent really serves its three endpoints."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

AGENT = Path(__file__).resolve().parents[2] / "examples" / "echo-agent"
# Talk to the agent directly, whatever proxy the environment configures.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_echo_agent_serves_health_ready_and_invoke() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=AGENT,
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with OPENER.open(f"{base}/health", timeout=1) as response:
                    assert json.load(response) == {"status": "ok"}
                break
            except OSError:
                assert time.monotonic() < deadline, "agent did not start"
                time.sleep(0.1)
        with OPENER.open(f"{base}/ready", timeout=2) as response:
            assert response.status == 200
        request = urllib.request.Request(
            f"{base}/invoke",
            data=json.dumps({"question": "hi"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with OPENER.open(request, timeout=2) as response:
            reply = json.load(response)
        assert reply["echo"] == {"question": "hi"}
        assert reply["agent"] == "echo-agent"
    finally:
        process.terminate()
        assert process.wait(10) == 0, "SIGTERM stops the agent cleanly"
