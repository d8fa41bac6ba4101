"""Errors are grouped by how the caller recovers, and the groups are siblings."""

from __future__ import annotations

import itertools

import pytest

from ocean_runtime import errors

GROUPS = [
    errors.UserInputError,
    errors.AbortRunError,
    errors.RequestRefusedError,
    errors.RetryableError,
    errors.SkipRecordError,
]


@pytest.mark.parametrize(("one", "other"), list(itertools.permutations(GROUPS, 2)))
def test_no_recovery_group_is_a_kind_of_another(one: type[Exception], other: type[Exception]) -> None:
    assert not issubclass(one, other)


@pytest.mark.parametrize(
    ("error", "group"),
    [
        (errors.PortAPIError("POST", "/v1/x", 422, {"message": "no"}), errors.RequestRefusedError),
        (errors.ThirdPartyAPIError("GET", "https://x.io", 404, "gone"), errors.RequestRefusedError),
        (errors.PortAuthError("refused"), errors.AbortRunError),
        (errors.PortUnreachableError("down"), errors.AbortRunError),
    ],
)
def test_each_error_belongs_to_exactly_one_group(error: Exception, group: type[Exception]) -> None:
    assert [g for g in GROUPS if isinstance(error, g)] == [group]


def test_a_refused_port_request_does_not_abort_the_run() -> None:
    # Every caller used to have to catch PortAPIError before AbortRunError; now neither order matters.
    with pytest.raises(errors.PortAPIError):
        try:
            raise errors.PortAPIError("POST", "/v1/blueprints/x/entities/bulk", 422, {"message": "bad"})
        except errors.AbortRunError:  # pragma: no cover - must not catch it
            pytest.fail("a refused request was taken for a run-ending error")
