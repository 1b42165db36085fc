"""Start the voice gateway (`python -m voice`) on free loopback ports, for tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from assistant_processes import free_port  # noqa: E402
from wait_ready import wait_ready  # noqa: E402


@dataclass(frozen=True)
class GatewayProcess:
    url: str
    audiosocket_port: int
    log: Path


@contextmanager
def running_gateway(hub_url: str, workdir: Path, env: dict[str, str]) -> Iterator[GatewayProcess]:
    """The gateway in front of `hub_url`, logging to `workdir`; `env` adds or overrides settings."""
    port, audiosocket_port = free_port(), free_port()
    gateway_env = (
        os.environ
        | {
            "VOICE_HUB_URL": hub_url,
            "VOICE_HOST": "127.0.0.1",
            "VOICE_PORT": str(port),
            "AUDIOSOCKET_PORT": str(audiosocket_port),
            "VOICE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TTS_CACHE_DIR": str(workdir / "tts-cache"),
        }
        | env
    )
    log = workdir / f"voice-{port}.log"
    command = [str(REPO / ".venv" / "bin" / "python"), "-m", "voice"]
    process = subprocess.Popen(command, cwd=REPO, env=gateway_env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_ready([f"http://127.0.0.1:{port}/healthz"], 90, still_starting=lambda: process.poll() is None)
        yield GatewayProcess(f"http://127.0.0.1:{port}", audiosocket_port, log)
    finally:
        process.terminate()
        process.wait(timeout=30)
