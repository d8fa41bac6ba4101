"""How stored values are shown, and the page arithmetic: pure functions, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ocean_harbor.ui.formatting import (
    Cell,
    Owner,
    ago,
    cell,
    duration,
    entity_url,
    icon_for,
    parse_datasource,
    pretty_yaml,
    when,
)
from ocean_harbor.ui.paging import Page, requested_page


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (None, None, Cell("null", "—")),
        (True, None, Cell("bool", "true")),
        (3, {"type": "number"}, Cell("text", "3")),
        ("https://x.io/a", {"format": "url"}, Cell("url", "https://x.io/a", href="https://x.io/a")),
        ("https://x.io/a", None, Cell("url", "https://x.io/a", href="https://x.io/a")),
        ("javascript:alert(1)", {"format": "url"}, Cell("text", "javascript:alert(1)")),
        ("a@b.io", {"format": "email"}, Cell("email", "a@b.io", href="mailto:a@b.io")),
        (
            "failing",
            {"enum": ["ok", "failing"], "enumColors": {"failing": "red"}},
            Cell("enum", "failing", color="red"),
        ),
        ("ok", {"enum": ["ok", "failing"]}, Cell("enum", "ok")),
        (["a", 1], None, Cell("json", '["a", 1]')),
        ({"k": {"n": None}}, None, Cell("json", '{"k": {"n": null}}')),
    ],
)
def test_cells(value: Any, spec: Any, expected: Cell) -> None:
    assert cell(value, spec) == expected


def test_long_values_are_cut_only_when_asked() -> None:
    assert cell("x" * 300, limit=10).text == "x" * 9 + "…"
    assert cell("x" * 300, limit=None).text == "x" * 300


@pytest.mark.parametrize(
    ("datasource", "expected"),
    [
        ("port-ocean/fake/0.1.0/my-fake/exporter", Owner("my-fake", "fake", "0.1.0", "exporter")),
        ("port-ocean/fake/0.1.0/my-fake", Owner("my-fake", "fake", "0.1.0", None)),
        ("port-ocean/fake/0.1.0/", None),
        ("python-httpx/0.28", None),
        (None, None),
    ],
)
def test_datasource_names_the_owning_integration(datasource: str | None, expected: Owner | None) -> None:
    assert parse_datasource(datasource) == expected


def test_entity_urls_encode_every_reserved_character() -> None:
    assert entity_url("svc", "a/b c?d#e%") == "/blueprints/svc/entities/a%2Fb%20c%3Fd%23e%25"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-20T12:01:54.355123Z", "2024-11-20 12:01:54 UTC"),
        ("2024-11-20T14:01:54+02:00", "2024-11-20 12:01:54 UTC"),
        ("2024-11-20T12:01:54", "2024-11-20 12:01:54 UTC"),
        ("yesterday", "yesterday"),
        (None, "—"),
    ],
)
def test_when(text: str | None, expected: str) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-20T11:59:50Z", "just now"),
        ("2024-11-20T11:55:00Z", "5 min ago"),
        ("2024-11-20T09:00:00Z", "3 h ago"),
        ("2024-11-19T11:00:00Z", "1 day ago"),
        ("2024-11-10T12:00:00Z", "10 days ago"),
        ("garbage", ""),
    ],
)
def test_ago(text: str, expected: str) -> None:
    assert ago(text, now=datetime(2024, 11, 20, 12, 0, tzinfo=UTC)) == expected


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        ("2024-11-20T12:00:00.250Z", "250 ms"),
        ("2024-11-20T12:00:04.5Z", "4.5 s"),
        ("2024-11-20T12:04:05Z", "4 min 05 s"),
        (None, ""),
    ],
)
def test_duration(end: str | None, expected: str) -> None:
    assert duration("2024-11-20T12:00:00Z", end) == expected


def test_icons_know_common_port_names_case_insensitively() -> None:
    assert icon_for("Microservice") == icon_for("service") == "cube"
    assert icon_for("SomethingElse") == "" and icon_for(None) == ""


def test_config_yaml_keeps_the_authors_key_order() -> None:
    text = pretty_yaml(
        {"resources": [{"kind": "x", "selector": {"query": "true"}}], "enableMergeEntity": True}
    )
    assert text.index("resources") < text.index("enableMergeEntity") and "query: 'true'" in text


@pytest.mark.parametrize(("raw", "expected"), [(None, 1), ("", 1), ("7", 7), ("0", 1), ("-2", 1), ("x", 1)])
def test_requested_page(raw: str | None, expected: int) -> None:
    assert requested_page(raw) == expected


@pytest.mark.parametrize(
    ("requested", "total", "number", "offset", "last", "rows"),
    [
        (1, 0, 1, 0, 1, (0, 0)),
        (1, 120, 1, 0, 3, (1, 50)),
        (3, 120, 3, 100, 3, (101, 120)),
        (9, 120, 3, 100, 3, (101, 120)),  # past the end shows the last page
        (2, 100, 2, 50, 2, (51, 100)),
    ],
)
def test_page_arithmetic(
    requested: int, total: int, number: int, offset: int, last: int, rows: tuple[int, int]
) -> None:
    page = Page.of(requested, 50, total)
    assert (page.number, page.offset, page.last) == (number, offset, last)
    assert (page.first_row, page.last_row) == rows


def test_page_links_keep_other_parameters() -> None:
    page = Page.of(2, 50, 500)
    assert page.link(3, q="a b") == "?q=a+b&page=3"
    assert page.link(1, q="") == "?"
    assert page.link(4, "runs", problems="2") == "?problems=2&runs=4"
