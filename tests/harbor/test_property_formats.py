"""Property formats: the validator's direct checks decide as ``FORMAT_CHECKER.conforms`` does."""

from __future__ import annotations

import pytest

from ocean_harbor.blueprint_schema import FORMAT_CHECKER, STRING_FORMATS
from ocean_harbor.entity_validation import EntityValidator

TRICKY = [
    "",
    " ",
    "https://github.com/org/repo",
    "http://localhost:8080/x?y=1#z",
    "ftp://a",
    "git+ssh://git@github.com/org/repo.git",
    "https:/missing-slash",
    "https://",
    "https:// spaced.com",
    "https://host/with space",
    "//no-scheme.com",
    "1http://digit-first.com",
    "mailto:someone@example.com",
    "someone@example.com",
    "some one@example.com",
    "a@b",
    "a@b.c",
    "@b.com",
    "a@@b.com",
    "2021-05-12T00:27:38Z",
    "2021-05-12T00:27:38.123456+02:00",
    "2021-05-12T00:27:38z",
    "2021-05-12",
    "2021-05-12 00:27:38",
    "2021-13-12T00:00:00Z",
    "2021-05-12T25:00:00Z",
    "20210512T002738Z",
    "yesterday",
    "127.0.0.1",
    "256.0.0.1",
    "::1",
    "fe80::1%eth0",
    "2001:db8::ff00:42:8329",
    "1.2.3",
    "é",
    "\u2028",
]


@pytest.mark.parametrize("fmt", sorted(STRING_FORMATS))
def test_each_format_accepts_and_refuses_what_the_format_checker_does(fmt: str) -> None:
    validator = EntityValidator(
        {"identifier": "bp", "schema": {"properties": {"p": {"type": "string", "format": fmt}}}}
    )
    for value in TRICKY:
        expected = (
            [] if FORMAT_CHECKER.conforms(value, fmt) else [f"properties.p: {value!r} is not a '{fmt}'"]
        )
        assert validator.property_errors({"p": value}) == expected, value
