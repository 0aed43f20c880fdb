"""The committed outcome-map JSON Schema is what the models generate (`make schemas`)."""

from __future__ import annotations

import json

from schemas.generate import OUTCOME_MAP_SCHEMA, main, outcome_map_schema


def test_committed_schema_is_current() -> None:
    assert OUTCOME_MAP_SCHEMA.read_text("utf-8") == outcome_map_schema(), "run make schemas"
    assert main(["--check"]) == 0


def test_schema_describes_the_map() -> None:
    schema = json.loads(OUTCOME_MAP_SCHEMA.read_text("utf-8"))
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) == {"name", "outcomes"}
    criterion = schema["$defs"]["Criterion"]["properties"]
    assert {"verbs", "activities", "result", "extensions", "at_least", "window"} <= set(criterion)
