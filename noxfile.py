"""Task runner: ``nox -s tests``, ``nox -s lint``, ``nox -s typing``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typing"]
nox.options.reuse_existing_virtualenvs = True


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Runs the test suite (the harbor, the CLI and the integrations through real components)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """Ruff: lint and import order."""
    session.install("ruff")
    session.run("ruff", "check", "ocean_cli", "ocean_runtime", "ocean_harbor", "tests", "integrations", "benchmarks")


@nox.session(python="3.11")
def typing(session: nox.Session) -> None:
    """mypy in strict mode over the three packages."""
    session.install("-e", ".[test]")
    session.run("mypy")
