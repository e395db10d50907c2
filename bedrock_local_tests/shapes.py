"""Assert that a response dict fits a botocore output shape (members, required, enums)."""

from typing import Any

from botocore.model import Shape

from bedrock_local.validation import operation_model


def assert_fits(value: Any, shape: Shape, path: str = "") -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{path}: expected object"
        extra = set(value) - set(shape.members) - {"ResponseMetadata"}
        assert not extra, f"{path}: unknown members {extra}"
        for name in shape.required_members:
            assert name in value, f"{path}: missing required {name}"
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                assert_fits(value[name], member, f"{path}.{name}")
    elif kind == "list":
        assert isinstance(value, list), f"{path}: expected list"
        for i, item in enumerate(value):
            assert_fits(item, shape.member, f"{path}[{i}]")
    elif kind == "string":
        assert isinstance(value, str), f"{path}: expected string"
        if "enum" in shape.metadata:
            assert value in shape.metadata["enum"], f"{path}: {value!r} not in enum"
    elif kind in ("integer", "long"):
        assert isinstance(value, int), f"{path}: expected integer"
    elif kind in ("double", "float"):
        assert isinstance(value, int | float), f"{path}: expected number"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{path}: expected boolean"


def assert_output_fits(service: str, operation: str, value: dict) -> None:
    assert_fits(value, operation_model(service, operation).output_shape, operation)
