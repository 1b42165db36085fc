"""Evaluate the NLU model on the held-out sets in tests/nlu/ (never trained on).

    python scripts/eval_nlu.py --model models/checkout-<hash>.tar.gz [--min-f1 0.90]

Per language: intent macro-F1 printed, reports/nlu/<lang>/ with Rasa's per-intent report
(intent_report.json), errors and the confusion-matrix PNG. Exits 1 when a language is below
--min-f1 or when a held-out example also appears in the training data.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("it", "en")
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def examples(path: Path) -> set[str]:
    """Plain texts of the examples in an NLU file, annotations removed, normalised."""
    texts = set()
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            text = ANNOTATION.sub(r"\1", line.strip().removeprefix("- "))
            texts.add(" ".join(text.lower().split()))
    texts.discard("")
    return texts


def overlap_with_training(test_file: Path) -> set[str]:
    training = set().union(*(examples(path) for path in (REPO / "data" / "nlu").rglob("*.yml")))
    return examples(test_file) & training


def evaluate(model: str, language: str) -> float:
    out = REPO / "reports" / "nlu" / language
    subprocess.run(
        [
            str(REPO / ".venv-rasa" / "bin" / "rasa"),
            "test",
            "nlu",
            "--model",
            model,
            "--nlu",
            f"tests/nlu/{language}.yml",
            "--out",
            str(out),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    report = json.loads((out / "intent_report.json").read_text())
    return float(report["macro avg"]["f1-score"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--min-f1", type=float, default=0.90)
    args = parser.parse_args()
    failed = False
    summary = {}
    for language in LANGUAGES:
        leaked = overlap_with_training(REPO / "tests" / "nlu" / f"{language}.yml")
        if leaked:
            print(f"{language}: {len(leaked)} held-out examples are also training examples: {sorted(leaked)[:5]}")
            failed = True
        f1 = evaluate(args.model, language)
        summary[language] = round(f1, 4)
        verdict = "ok" if f1 >= args.min_f1 else f"BELOW {args.min_f1}"
        print(f"{language}: intent macro-F1 {f1:.3f} ({verdict}); report in reports/nlu/{language}/")
        failed |= f1 < args.min_f1
    (REPO / "reports" / "nlu" / "summary.json").write_text(json.dumps(summary, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
