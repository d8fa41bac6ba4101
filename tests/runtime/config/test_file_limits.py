"""``file_limits``: counting what YAML aliases expand to, without expanding them."""

from __future__ import annotations

import pytest
import yaml

from ocean_runtime.config.documents import parse_yaml
from ocean_runtime.config.file_limits import FileLimits, expanded_size
from ocean_runtime.errors import UserInputError


def size(text: str, ceiling: int = 10**9) -> int:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert node is not None
    return expanded_size(node, ceiling)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("a: 1", 3),  # the mapping, its key, its value
        ("[1, [2, 3]]", 5),
        ("a: &x [1, 2]\nb: *x\nc: *x", 1 + 3 * (1 + 3)),  # each use of the alias counts in full
        ("a: &x [1]\nb: &y [*x, *x]\nc: [*y, *y]", 1 + 3 + 2 + 5 + 11),
        ("base: &b {k: v}\nthing:\n  <<: *b\n  j: w", 1 + 2 + 2 + 1 + 1 + 4 + 2),
    ],
)
def test_expanded_size_counts_every_use_of_an_alias(text: str, values: int) -> None:
    assert size(text) == values


def test_a_recursive_alias_stands_for_infinitely_many_values() -> None:
    assert size("a: &a [1, *a]", ceiling=1000) == 1001


def test_a_deep_alias_chain_is_sized_without_recursion_and_stops_at_the_ceiling() -> None:
    lines = ["l0: &l0 [x, x]"] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 2000)]
    assert size("\n".join(lines), ceiling=10**6) == 10**6 + 1


def test_the_limit_is_configurable() -> None:
    text = "a: &x [1, 2, 3]\nb: [*x, *x, *x]"
    assert parse_yaml(text, name="f.yml").data["b"][2] == [1, 2, 3]
    limits = FileLimits.from_environ({"OCEAN__YAML_VALUE_LIMIT": "10"})
    with pytest.raises(UserInputError, match="f.yml: the YAML stands for more than 10 values"):
        from ocean_runtime.config.file_limits import compose_limited

        compose_limited(yaml.SafeLoader(text), name="f.yml", limits=limits)


def test_nesting_too_deep_is_one_clear_error() -> None:
    with pytest.raises(UserInputError, match="deep.yml: the YAML nests too deeply"):
        parse_yaml("[" * 5000 + "]" * 5000, name="deep.yml")


@pytest.mark.parametrize("value", ["big", "0", "-3", "1.5"])
def test_a_bad_size_limit_names_the_variable(value: str) -> None:
    with pytest.raises(UserInputError, match=f"OCEAN__FILE_SIZE_LIMIT_MB={value!r} is not a positive"):
        FileLimits.from_environ({"OCEAN__FILE_SIZE_LIMIT_MB": value})
