"""The published integrations' own unit tests pass on Ocean's layer — a CI-sized sample.

The whole corpus (46 folders, ~5,200 tests, ~5 min of CPU) is run by
``python tests/compat/corpus/unit_tests.py``; here the folders whose suites are quick run in
every CI build, each in a scratch copy with the corpus venv, and must pass entirely.
"""

from __future__ import annotations

import pytest

from tests.compat.corpus.environment import corpus_folder, corpus_python
from tests.compat.corpus.unit_tests import run

# Folder → its number of tests (all must pass).
SAMPLE = {
    "argocd": 25,
    "cursor": 30,
    "dynatrace": 4,
    "jenkins": 16,
    "linear": 13,
    "opencost": 16,
    "opsgenie": 10,
    "statuspage": 9,
}


@pytest.mark.parametrize("name", sorted(SAMPLE))
def test_the_integrations_own_tests_pass(name: str) -> None:
    result = run(corpus_folder(name), corpus_python(), timeout=240)
    assert (result["passed"], result["failed"], result["errors"]) == (SAMPLE[name], 0, 0), result
