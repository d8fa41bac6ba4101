"""``ocean validate``'s checks: spec, blueprints, port-app-config, other resources and config values.

``validate_integration_dir(path)`` returns ``Finding`` objects (severity, file, key path, line,
message); it never stops at the first problem.
"""

from ocean_runtime.validation.directory import validate_integration_dir
from ocean_runtime.validation.findings import Finding, Severity

__all__ = ["Finding", "Severity", "validate_integration_dir"]
