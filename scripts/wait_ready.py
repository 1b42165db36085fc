"""Wait until every URL given answers 200, or fail after a timeout (default 180 s)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import httpx


def wait_ready(urls: list[str], timeout: float, still_starting: Callable[[], bool] = lambda: True) -> None:
    """Return when every URL answers 200; exit when `timeout` passes or `still_starting()` says
    a server died, instead of waiting for one that will never answer."""
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        url = pending[0]
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"not ready after {timeout:.0f} s: {url}")
        if not still_starting():
            sys.exit(f"a server exited while starting; see its log ({url} never answered)")
        time.sleep(0.5)


if __name__ == "__main__":
    wait_ready(sys.argv[1:], float(os.environ.get("READY_TIMEOUT", "180")))
