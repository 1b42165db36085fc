"""`rasa data validate`, with one false alarm understood instead of silenced.

Rasa warns about every response no story or rule names, but most of ours are chosen by the
custom actions (`response="utter_..."`, some as f-strings) or asked by forms (`utter_ask_*`).
This accepts exactly those and fails on any other warning or error.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule")
WARNING = re.compile(r"UserWarning: (.*)")


def responses_named_by_actions() -> list[re.Pattern[str]]:
    """A pattern for every response name in actions/ (and bot/, which runs some after a handoff),
    f-string fields as wildcards."""
    patterns = []
    for source in [*(REPO / "actions").rglob("*.py"), *(REPO / "bot").rglob("*.py")]:
        for literal in re.findall(r"f?\"(utter_[^\"]*)\"", source.read_text(encoding="utf-8")):
            patterns.append(re.compile(re.sub(r"\\\{[^}]*\\\}", r"\\w+", re.escape(literal)) + "$"))
    return patterns


def main() -> int:
    rasa = REPO / ".venv-rasa" / "bin" / "rasa"
    result = subprocess.run(
        [str(rasa), "data", "validate", "--domain", "domain", "--data", "data", "--config", "config.yml"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    named = responses_named_by_actions()
    problems, accepted = [], 0
    for message in WARNING.findall(output):
        unused = UNUSED.search(message)
        if unused and (unused.group(1).startswith("utter_ask_") or any(p.match(unused.group(1)) for p in named)):
            accepted += 1
            continue
        problems.append(message)
    if result.returncode != 0:
        problems.append(f"rasa data validate exited with {result.returncode}:\n{output[-3000:]}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(
        f"data valid ({accepted} responses used by actions or forms)" if not problems else f"{len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
