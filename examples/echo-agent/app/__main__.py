"""`python -m app`: serve GET /health, GET /ready and POST /invoke on $PORT (stdlib only)."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AGENT_NAME = os.environ.get("AGENT_NAME", "echo-agent")
AGENT_VERSION = os.environ.get("AGENT_VERSION", "1.0.0")
MAX_BODY_BYTES = 1 << 20


class Handler(BaseHTTPRequestHandler):
    """Health, readiness and one echo endpoint."""

    server_version = f"{AGENT_NAME}/{AGENT_VERSION}"

    def _send(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Answer the health and readiness probes."""
        if self.path == "/health":
            self._send(200, {"status": "ok"})
        elif self.path == "/ready":
            self._send(200, {"status": "ready"})
        else:
            self._send(404, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:
        """Echo a JSON body sent to `/invoke`, with the agent's name and version."""
        if self.path != "/invoke":
            self._send(404, {"error": f"no route {self.path}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(413, {"error": "body too large"})
            return
        try:
            message = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send(400, {"error": "body must be JSON"})
            return
        self._send(200, {"agent": AGENT_NAME, "version": AGENT_VERSION, "echo": message})

    def log_message(self, format: str, *args: object) -> None:
        """Log each request to stderr."""
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def main() -> None:
    """Serve until SIGTERM (Kubernetes) or SIGINT."""
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    # shutdown() waits for serve_forever(), so it must run off the signal-handling thread.
    signal.signal(
        signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start()
    )
    print(f"{AGENT_NAME} {AGENT_VERSION} listening on :{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
