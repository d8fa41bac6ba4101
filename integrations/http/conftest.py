"""Makes this integration's own modules (``api_config``) importable from its tests.

The integration is a folder of modules, not an installed package — ``ocean sail`` loads
``main.py`` from this folder — so its tests need the folder on ``sys.path`` the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
