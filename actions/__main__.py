"""`python -m actions`: check before the action server starts that shop.yml is valid and every
action module imports. The action server itself only logs a failed import and keeps running
without those actions; this stops the start instead, with the reason."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import actions
from actions.shop import ShopFileError, load_shop


def main() -> int:
    try:
        shop = load_shop()
    except ShopFileError as error:
        print(f"shop.yml: {error}", file=sys.stderr)
        return 1
    for module in pkgutil.walk_packages(actions.__path__, prefix="actions."):
        if module.name != "actions.__main__":
            importlib.import_module(module.name)
    print(f"shop.yml valid ({shop.shop.name}); action modules import")
    return 0


if __name__ == "__main__":
    sys.exit(main())
