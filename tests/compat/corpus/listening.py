"""A listening ``ocean sail`` of a published integration, run by the corpus venv's ``ocean``.

``sail(folder, env, cwd)`` starts it; the ``Sail`` it returns (``tests.support.sail``) waits for
its lines, shows its output and stops it (SIGTERM, then SIGKILL after 30 s).
"""

from __future__ import annotations

from pathlib import Path

from tests.compat.corpus.environment import corpus_python
from tests.support.sail import Sail, launch_sail


def sail(folder: Path, env: dict[str, str], cwd: Path) -> Sail:
    """``ocean sail folder --port 0`` in the corpus venv, with exactly ``env``."""
    return launch_sail(folder, env, cwd, ocean=str(corpus_python().with_name("ocean")))
