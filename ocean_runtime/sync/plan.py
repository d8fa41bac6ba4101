"""Preparing a resync before anything is written: fetch, parse and compile the mapping.

Every resource is compiled first. A resource whose mapping is not valid jq fails alone: its
kind is reported failed with the error (file, key path, expression), nothing is fetched or
written for it, and — because a kind failed — reconcile deletes nothing; the other resources
sync. Every literal blueprint is checked to exist: a mapping naming an unknown blueprint ends
the run with one ``UserInputError`` listing every problem, before the resync is even marked
running and with nothing written to the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import AbortRunError, UserInputError

from .handlers import ResyncHandler
from .reconcile import BlueprintCache
from .report import KindReport
from .resource import ResourceJob

if TYPE_CHECKING:
    from ocean_runtime.mapping import PortAppConfig, ResourceConfig
    from ocean_runtime.mapping.jq_sandbox import JqSandbox
    from ocean_runtime.port import PortClient

HandlersFor = Callable[[str], list[ResyncHandler]]


@dataclass
class ResyncPlan:
    """A parsed and compiled port-app-config, ready to run.

    Attributes:
        config: the port-app-config (the integration's class).
        jobs: one job per resource that compiled, in config order.
        source: where the mapping came from, for messages.
        broken: the reports of the resources that did not compile (failed, with the error).
    """

    config: PortAppConfig
    jobs: list[ResourceJob]
    source: str
    broken: list[KindReport] = field(default_factory=list)

    @property
    def kinds(self) -> list[KindReport]:
        """Every resource's report, in config order."""
        return sorted([*(job.report for job in self.jobs), *self.broken], key=lambda kind: kind.index)


async def fetch_port_app_config(
    port: PortClient,
    config_class: type[PortAppConfig],
    *,
    source: str,
    integration: dict[str, Any] | None = None,
) -> PortAppConfig:
    """The integration's port-app-config as Port holds it, parsed with ``config_class``.

    Args:
        port: the Port client.
        config_class: the integration's ``PortAppConfig`` class.
        source: how to name the mapping in messages.
        integration: the integration record as just read from (or written to) Port; Port is
            asked for it when not given.

    Raises:
        AbortRunError: Port does not know the integration.
        UserInputError: the integration has no mapping, or it does not parse.
    """
    from ocean_runtime.mapping import parse_port_app_config

    if integration is None:
        integration = await port.get_integration()
    if integration is None:
        raise AbortRunError(
            f"Port has no integration '{port.identity.integration_identifier}' — "
            "run `ocean defaults dock DIR` (or `ocean sail`, which creates it) first"
        )
    config = integration.get("config")
    if not isinstance(config, dict) or not config.get("resources"):
        raise UserInputError(
            "the integration's port-app-config has no resources, so there is nothing to sync",
            file=source,
            fix="add resources to .port/resources/port-app-config.yml, or edit the mapping in Port",
        )
    return parse_port_app_config(config, config_class=config_class, source=source)


def compile_plan(
    config: PortAppConfig,
    handlers_for: HandlersFor,
    *,
    source: str,
    sandbox: JqSandbox | None = None,
    strict: bool = False,
) -> ResyncPlan:
    """Compile every resource; one that does not compile fails alone (``ResyncPlan.broken``).

    Args:
        config: the parsed port-app-config.
        handlers_for: the resync handlers of a kind.
        source: how to name the mapping in messages.
        sandbox: where the mappings run jq within its budget (the caller closes it).
        strict: raise every problem of every resource as one ``UserInputError`` instead
            (for checks before a mapping is pushed anywhere).
    """
    from ocean_runtime.mapping import compile_resource

    jobs: list[ResourceJob] = []
    broken: list[KindReport] = []
    problems: list[UserInputError] = []
    for index, resource in enumerate(config.resources):
        try:
            mapper = compile_resource(resource, index=index, source=source, sandbox=sandbox)
        except UserInputError as exc:
            problems.append(exc)
            report = KindReport(kind=resource.kind, index=index, blueprint=_literal_blueprint(resource))
            report.fail(exc.render())
            broken.append(report)
            continue
        report = KindReport(kind=resource.kind, index=index, blueprint=mapper.blueprint_literal)
        jobs.append(ResourceJob(resource, index, mapper, handlers_for(resource.kind), report))
    if strict:
        _raise_all(problems, source)
    return ResyncPlan(config, jobs, source, broken)


def _literal_blueprint(resource: ResourceConfig) -> str | None:
    """The blueprint of a resource that did not compile, when it is a plain string literal."""
    from ocean_runtime.mapping.jq_expr import rewrite_single_quotes
    from ocean_runtime.mapping.jq_parse import parse_tree
    from ocean_runtime.mapping.jq_tree import Literal

    text = resource.port.entity.mappings.blueprint
    tree = parse_tree(rewrite_single_quotes(text)) if isinstance(text, str) else None
    return tree.value if isinstance(tree, Literal) and isinstance(tree.value, str) and tree.value else None


async def check_blueprints(plan: ResyncPlan, blueprints: BlueprintCache) -> None:
    """Every blueprint a mapping names literally must exist in Port.

    Raises:
        UserInputError: naming each resource whose blueprint is missing.
    """
    problems: list[UserInputError] = []
    for job in plan.jobs:
        blueprint = job.mapper.blueprint_literal
        if blueprint and await blueprints.get(blueprint) is None:
            problems.append(
                UserInputError(
                    f"blueprint '{blueprint}' does not exist in Port",
                    file=plan.source,
                    location=f"resources[{job.index}].port.entity.mappings.blueprint",
                    fix=(
                        "fix the blueprint name, or add the blueprint to .port/resources/blueprints.json "
                        "and run `ocean defaults dock DIR`"
                    ),
                )
            )
    _raise_all(problems, plan.source)


def _raise_all(problems: list[UserInputError], source: str) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        details = "; ".join(_without_file(problem, source) for problem in problems)
        raise UserInputError(f"{len(problems)} problems: {details}", file=source)


def _without_file(problem: UserInputError, source: str) -> str:
    """The problem's text without the leading ``source: `` (the combined error names it once)."""
    text = problem.render()
    prefix = f"{source}: "
    return text[len(prefix) :] if text.startswith(prefix) else text
