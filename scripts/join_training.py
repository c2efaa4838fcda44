"""Append writers' files to training/: `python scripts/join_training.py training/parts/crisis-w-x.jsonl ...`.

Each file goes to the training file its lines fit (`crisis`, `scope` or `queries`). A line whose text
is already there, once case and punctuation are ignored, is dropped: near-duplicates across writers
would leak between cross-validation folds. Prints what was added and dropped per file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TRAINING = Path(__file__).resolve().parent.parent / "training"


def _key(row: dict) -> str:
    text = row.get("text") or row["query"]
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def _target(row: dict) -> str:
    return "queries" if "query" in row else "crisis" if "crisis" in row else "scope"


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not rows:
            continue
        target = TRAINING / f"{_target(rows[0])}.jsonl"
        seen = {_key(json.loads(line)) for line in target.open(encoding="utf-8") if line.strip()}
        added = 0
        with target.open("a", encoding="utf-8") as out:
            for row in rows:
                key = _key(row)
                if key in seen:
                    continue
                seen.add(key)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                added += 1
        print(f"{path.name} -> {target.name}: {added} added, {len(rows) - added} duplicates dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
