"""Port-app-config models and the mapping engine (raw items → Port entities). Pure: no I/O
except reading a config file in ``load_port_app_config``, and jq run in a worker process with
a time and memory budget (``JqSandbox``)."""

from ocean_runtime.mapping.engine import ResourceMapper, compile_resource
from ocean_runtime.mapping.jq_expr import JQCompileError, check_jq, compile_jq, rewrite_single_quotes
from ocean_runtime.mapping.jq_sandbox import JqBudgetError, JqLimits, JqSandbox
from ocean_runtime.mapping.loading import (
    decode_config_text,
    find_unknown_keys,
    load_port_app_config,
    parse_port_app_config,
)
from ocean_runtime.mapping.models import (
    EntityMapping,
    MappingsConfig,
    PortAppConfig,
    PortResourceConfig,
    ResourceConfig,
    SearchQuery,
    SearchRule,
    Selector,
)
from ocean_runtime.mapping.problems import ExpressionProblem
from ocean_runtime.mapping.result import ItemError, MappingResult

__all__ = [
    "EntityMapping",
    "ExpressionProblem",
    "ItemError",
    "JQCompileError",
    "JqBudgetError",
    "JqLimits",
    "JqSandbox",
    "MappingResult",
    "MappingsConfig",
    "PortAppConfig",
    "PortResourceConfig",
    "ResourceConfig",
    "ResourceMapper",
    "SearchQuery",
    "SearchRule",
    "Selector",
    "check_jq",
    "compile_jq",
    "compile_resource",
    "decode_config_text",
    "find_unknown_keys",
    "load_port_app_config",
    "parse_port_app_config",
    "rewrite_single_quotes",
]
