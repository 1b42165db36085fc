"""Print REDIS_HOST/REDIS_PORT/REDIS_DB shell assignments from REDIS_URL, for endpoints.redis.yml
(Rasa's Redis stores take host, port and db separately)."""

from __future__ import annotations

import shlex
import sys
from urllib.parse import urlparse


def redis_endpoint_vars(url: str) -> dict[str, str]:
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise SystemExit(f"REDIS_URL must look like redis://host:6379/0, got {url!r}")
    return {
        "REDIS_HOST": parsed.hostname,
        "REDIS_PORT": str(parsed.port or 6379),
        "REDIS_DB": parsed.path.strip("/") or "0",
    }


if __name__ == "__main__":
    for name, value in redis_endpoint_vars(sys.argv[1]).items():
        print(f"export {name}={shlex.quote(value)}")
