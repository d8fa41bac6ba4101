"""``pytest -p ocean_compat.pytest_plugin``: run a published integration's own tests on Ocean's layer.

Installs the ``port_ocean`` finder before the tests import anything (a no-op when a real
``port-ocean`` is installed). ``tests/compat/corpus/unit_tests.py`` runs every corpus folder's
``tests/`` this way.
"""

from __future__ import annotations

from .finder import install

# Now, not in a hook: the integration's root conftest imports port_ocean before pytest_configure.
install()
