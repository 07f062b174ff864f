"""The schema describes exactly what status_to_dict emits: every field, nothing else."""

from __future__ import annotations

import dataclasses
import json

from ciliumdrift.model import Diagnostic
from ciliumdrift.parse import model
from tests.parse.test_corpus import SCHEMA


def test_schema_is_valid_2020_12() -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_model_field_is_in_the_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    classes = {"Status": schema, **schema["$defs"]}
    for name, definition in classes.items():
        cls = getattr(model, name, None) or {"Diagnostic": Diagnostic}.get(name)
        if cls is None or not dataclasses.is_dataclass(cls):
            continue
        fields = {field.name for field in dataclasses.fields(cls)}
        properties = set(definition["properties"]) - {"type", "direct_routing_device"}
        assert fields == properties, name
    referenced = {name for name in dir(model) if dataclasses.is_dataclass(getattr(model, name))}
    assert referenced - set(classes) == set()
