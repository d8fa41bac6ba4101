"""Makes this integration's modules (and its tests' helpers) importable from its tests.

The integration is a folder of modules, not an installed package — ``ocean sail`` loads
``main.py`` from this folder — so its tests need the folder on ``sys.path`` the same way
(the project runs pytest with ``--import-mode=importlib``, which adds nothing by itself).
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for folder in (str(_HERE), str(_HERE / "tests")):
    if folder not in sys.path:
        sys.path.insert(0, folder)
