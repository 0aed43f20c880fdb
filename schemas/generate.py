"""Write the JSON Schemas generated from the models: `python -m schemas.generate [--check]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from schemas.outcomes import OutcomeMap

HERE = Path(__file__).parent
OUTCOME_MAP_SCHEMA = HERE / "outcome-map.schema.json"


def outcome_map_schema() -> str:
    """The outcome map's JSON Schema (draft 2020-12) as the committed file holds it."""
    schema = {
        **OutcomeMap.model_json_schema(),
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Outcome map",
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    wanted = outcome_map_schema()
    current = OUTCOME_MAP_SCHEMA.read_text("utf-8") if OUTCOME_MAP_SCHEMA.exists() else ""
    if args.check:
        if current != wanted:
            print(f"{OUTCOME_MAP_SCHEMA.name} is stale: run make schemas", file=sys.stderr)
            return 1
        return 0
    OUTCOME_MAP_SCHEMA.write_text(wanted, "utf-8")
    print(f"wrote {OUTCOME_MAP_SCHEMA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
