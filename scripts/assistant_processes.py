"""Start the real action server and Rasa server on free loopback ports, for tests and
benchmarks (the same processes `make run` starts, but isolated: own ports, own database)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wait_ready import wait_ready

REPO = Path(__file__).resolve().parent.parent
RASA_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trained_model() -> str:
    """$MODEL_PATH, else the model of the current inputs (trained now if missing)."""
    if os.environ.get("MODEL_PATH"):
        return os.environ["MODEL_PATH"]
    result = subprocess.run(["scripts/train_if_stale.sh"], cwd=REPO, check=True, capture_output=True, text=True)
    return str(REPO / result.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class RunningAssistant:
    rasa_url: str
    action_url: str
    db_path: Path
    workdir: Path


RASA = str(REPO / ".venv-rasa" / "bin" / "rasa")


def rasa_server_command(port: int) -> list[str]:
    """`rasa run` serving the trained model with its HTTP API on `port`."""
    return [RASA, "run", "--model", trained_model(), "--enable-api", "--port", str(port),
            "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]  # fmt: skip


@contextmanager
def running_assistant(workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[RunningAssistant]:
    """Action server + Rasa server with a fresh SQLite order database in `workdir` (logs there too)."""
    rasa_port, action_port = free_port(), free_port()
    db_path = workdir / "orders.db"
    env = (
        os.environ
        | RASA_ENV
        | {
            "DATABASE_URL": f"sqlite:///{db_path}",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        }
        | (extra_env or {})
    )
    subprocess.run([str(REPO / ".venv-rasa" / "bin" / "python"), "-m", "actions"], cwd=REPO, env=env, check=True)
    commands = {
        "actions": [RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)],
        "rasa": rasa_server_command(rasa_port),
    }
    processes = [
        subprocess.Popen(
            command, cwd=REPO, env=env, stdout=(workdir / f"{name}.log").open("w"), stderr=subprocess.STDOUT
        )
        for name, command in commands.items()
    ]
    try:
        wait_ready(
            [f"http://127.0.0.1:{action_port}/health", f"http://127.0.0.1:{rasa_port}/status"],
            240,
            still_starting=lambda: all(process.poll() is None for process in processes),
        )
        yield RunningAssistant(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", db_path, workdir)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@contextmanager
def running_hub(
    rasa_url: str, workdir: Path, extra_env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """The bot hub (uvicorn) in front of `rasa_url`; yields its base URL."""
    port = port or free_port()
    env = os.environ | {"RASA_URL": rasa_url, "HUB_SECRET_KEY": "test-secret-key-" + "x" * 32} | (extra_env or {})
    command = [str(REPO / ".venv" / "bin" / "uvicorn"), "bot.app:create_app", "--factory", "--port", str(port)]
    log = (workdir / f"hub-{port}.log").open("a")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready([f"http://127.0.0.1:{port}/healthz"], 60, still_starting=lambda: process.poll() is None)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
