"""Local stand-ins for the telephony providers' call-control APIs, which tests cannot reach:
Twilio's REST API ("update a call") and the Asterisk REST Interface (global variables), as
their documentation describes them, with HTTP basic auth. They record every request."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "twilio-test-auth-token"
ARI_USER, ARI_PASSWORD = "gateway", "ari-test-password"
CALL_UPDATE = re.compile(r"/2010-04-01/Accounts/(?P<account>AC\w{32})/Calls/(?P<call>CA\w{32})\.json")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    auth: tuple[str, str] | None


class FakeProvider:
    """An HTTP server on a free loopback port, answering with `respond`, in a thread."""

    def __init__(self, credentials: tuple[str, str]) -> None:
        self.credentials = credentials
        self.requests: list[RecordedRequest] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                provider.handle(self)

            def do_POST(self) -> None:  # noqa: N802
                provider.handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        request = RecordedRequest(
            handler.command, parts.path, parse_qs(parts.query), parse_qs(body), basic_auth(handler)
        )
        self.requests.append(request)
        if request.auth != self.credentials:
            status, answer = 401, {"code": 20003, "message": "Authenticate", "status": 401}
        else:
            status, answer = self.respond(request)
        payload = json.dumps(answer).encode() if answer is not None else b""
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def respond(self, request: RecordedRequest) -> tuple[int, dict | None]:
        raise NotImplementedError

    def wait_for(self, matches: Callable[[RecordedRequest], bool], timeout: float = 20) -> RecordedRequest:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [request for request in self.requests if matches(request)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no matching request within {timeout} s; got {self.requests}")


class FakeTwilio(FakeProvider):
    """POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json updates a live call."""

    def __init__(self) -> None:
        super().__init__((TWILIO_SID, TWILIO_TOKEN))
        self.gone: set[str] = set()  # calls Twilio no longer knows (the update is refused)

    def respond(self, request: RecordedRequest) -> tuple[int, dict | None]:
        route = CALL_UPDATE.fullmatch(request.path)
        if request.method != "POST" or route is None or route["call"] in self.gone:
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        if route["account"] != TWILIO_SID:
            return 403, {"code": 20003, "message": "Permission denied", "status": 403}
        return 200, {"sid": route["call"], "account_sid": route["account"], "status": "in-progress"}


class FakeAsterisk(FakeProvider):
    """ARI global variables: GET and POST /ari/asterisk/variable?variable=...[&value=...]."""

    def __init__(self) -> None:
        super().__init__((ARI_USER, ARI_PASSWORD))
        self.globals: dict[str, str] = {}  # what the dialplan has set

    def respond(self, request: RecordedRequest) -> tuple[int, dict | None]:
        if request.path != "/ari/asterisk/variable":
            return 404, {"message": "Resource not found"}
        variable = (request.query.get("variable") or [""])[0]
        if not variable:
            return 400, {"message": "Variable name is required"}
        if request.method == "POST":
            self.globals[variable] = (request.query.get("value") or [""])[0]
            return 204, None
        return 200, {"value": self.globals.get(variable, "")}


def basic_auth(handler: BaseHTTPRequestHandler) -> tuple[str, str] | None:
    header = handler.headers.get("Authorization") or ""
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password
