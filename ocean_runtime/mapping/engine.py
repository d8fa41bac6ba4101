"""Raw items → entities for one resource of the port-app-config, with the reference's results.

``compile_resource`` compiles a resource once; ``ResourceMapper.map_raw`` then maps batches:

1. ``itemsToParse`` expands each raw item (whatever the handler shape — DESIGN.md #6);
2. the selector runs once per item and must give a JSON boolean; anything else makes that item
   an error, reported once (DESIGN.md #8);
3. every leaf gives its first output; no output, null or a jq error give null, and the leaf's
   dot path is reported in ``misconfigured``;
4. an entity is kept iff its identifier and blueprint are truthy; it holds only mapped keys.

Expressions that may loop or grow run in a ``JqSandbox`` (time and memory budget). An invalid
expression or one over its budget fails the resource (``UserInputError`` naming the file, the
key path and the expression); with ``tolerant=True`` (``ocean map``) the expression maps to
null instead, is listed in ``problems`` and the other fields still map.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from ocean_runtime.mapping.items_to_parse import ExpandedItem, ItemsToParse
from ocean_runtime.mapping.jq_batch import (
    SELECT_EMPTY,
    SELECT_ERROR,
    SELECT_FALSE,
    SELECT_NOT_BOOLEAN,
    SELECT_TRUE,
    BatchProgram,
)
from ocean_runtime.mapping.jq_expr import JQCompileError, NoOutput, first_output, rewrite_single_quotes
from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.jq_reads import keys_read
from ocean_runtime.mapping.jq_sandbox import JqBudgetError, JqSandbox
from ocean_runtime.mapping.models import ResourceConfig
from ocean_runtime.mapping.plain import NotPlain, PathError, jq_type
from ocean_runtime.mapping.plan import (
    BudgetBreach,
    CompiledExpression,
    CompileErrors,
    MappingPlan,
    Strategy,
    build_plan,
    entity_builder,
)
from ocean_runtime.mapping.problems import ExpressionProblem, invalid_expressions
from ocean_runtime.mapping.result import ItemError, MappingResult

Selection = tuple[int, Any]  # (SELECT_* code, detail)


def compile_resource(
    resource: ResourceConfig,
    *,
    index: int = 0,
    source: str = "port-app-config.yml",
    sandbox: JqSandbox | None = None,
    tolerant: bool = False,
) -> ResourceMapper:
    """Compiles a resource's selector, ``itemsToParse`` and mapping once.

    Args:
        resource: the resource config.
        index: its position in ``resources`` (used in error locations).
        source: the config's file name (used in errors).
        sandbox: where jq runs within its budget; shared by the caller's mappers (who closes
            it), else the mapper makes its own (closed with the mapper).
        tolerant: keep going past unusable expressions (they map to null, see ``problems``).

    Raises:
        UserInputError: (unless ``tolerant``) listing every invalid jq expression with its key
            path, e.g. ``resources[2].port.entity.mappings.properties.url``.
    """
    return ResourceMapper(resource, index=index, source=source, sandbox=sandbox, tolerant=tolerant)


class ResourceMapper:
    """A compiled resource: maps batches of raw items to entities (see ``map_raw``).

    Attributes:
        problems: expressions that cannot be used (only ever non-empty when ``tolerant``).
    """

    def __init__(
        self,
        resource: ResourceConfig,
        *,
        index: int = 0,
        source: str = "port-app-config.yml",
        sandbox: JqSandbox | None = None,
        tolerant: bool = False,
    ):
        self.resource = resource
        self.index = index
        self.source = source
        self.tolerant = tolerant
        prefix = f"resources[{index}]"
        if sandbox is None:
            sandbox = JqSandbox()
            weakref.finalize(self, sandbox.close)
        self._sandbox = sandbox
        errors: CompileErrors = []
        selector = resource.selector.query
        self._selector = _compile_or_record(selector, f"{prefix}.selector.query", errors, sandbox)
        mapping = resource.port.entity.mappings.model_dump(exclude_unset=True)
        self._plan: MappingPlan = build_plan(mapping, f"{prefix}.port.entity.mappings", errors, sandbox)
        location = f"{prefix}.port.itemsToParse"
        self._items_to_parse = _items_to_parse(resource, location, source, errors, sandbox)
        self.problems = [_problem(location, exc) for location, exc in errors]
        if self.problems and not tolerant:
            raise invalid_expressions(self.problems, source)
        # Without its selector or itemsToParse nothing of the resource can be mapped.
        self._unusable = any(not _is_leaf_location(problem.location) for problem in self.problems)
        if self._items_to_parse is not None:
            expressions = [self._selector, *(leaf.compiled for leaf in self._plan.leaves)]
            self._items_to_parse.keys_read = _keys_read(expressions)
        self._build = entity_builder(self._plan.template)
        template = self._plan.template
        # Only mapped keys reach the entity: without `icon`/`team` there is nothing to coerce.
        self._coerces = isinstance(template, dict) and ("icon" in template or "team" in template)
        self._prepare()

    def _prepare(self) -> None:
        """(Re)builds the batched programs and getters from the plan's leaves."""
        self._batched = [leaf for leaf in self._plan.leaves if leaf.compiled.strategy is Strategy.BATCHED]
        for slot, leaf in enumerate(self._batched):
            leaf.compiled.batch_slot = slot
        programs = _batch_programs(self._selector, self._batched, self._sandbox)
        self._with_selector, self._fields_only = programs
        self._getters = [leaf.compiled.getter(self._sandbox) for leaf in self._plan.leaves]
        self._reports = [(leaf.key, leaf.compiled.expression or "null") for leaf in self._plan.leaves]

    @property
    def uses_jq(self) -> bool:
        """True when some expression runs in jq (in the sandbox, within its budget) rather than in Python."""
        parts = [self._selector, *(leaf.compiled for leaf in self._plan.leaves)]
        in_jq = any(part.strategy in (Strategy.BATCHED, Strategy.ALONE) for part in parts)
        return in_jq or (self._items_to_parse is not None and not self._items_to_parse.in_python)

    def strategies(self) -> dict[str, str]:
        """How each expression is evaluated, by key path (for diagnostics and tests).

        ``literal`` (once), ``path`` (in Python), ``batched`` (the combined jq program, fed
        only the item keys it reads), ``batched-whole`` (the same, fed whole items: some
        expression may read any key), ``alone`` (a jq program of its own per item); for
        ``itemsToParse``, ``python`` or ``jq``.
        """
        programs = [program for program in (self._with_selector, self._fields_only) if program is not None]
        whole = any(program.keys is None for program in programs)
        batched = "batched-whole" if whole else "batched"
        parts = [self._selector, *(leaf.compiled for leaf in self._plan.leaves)]
        found = {
            part.location: batched if part.strategy is Strategy.BATCHED else part.strategy.value
            for part in parts
        }
        if self._items_to_parse is not None:
            found[self._items_to_parse.location] = "python" if self._items_to_parse.in_python else "jq"
        return found

    @property
    def kind(self) -> str:
        """The resource's kind."""
        return self.resource.kind

    @property
    def blueprint_literal(self) -> str | None:
        """The blueprint when it is a plain string literal (``'"service"'`` → ``service``)."""
        for leaf in self._plan.leaves:
            if leaf.key == "blueprint" and leaf.compiled.strategy is Strategy.LITERAL:
                value = leaf.compiled.value
                return value if isinstance(value, str) and value else None
        return None

    def map_raw(self, raw_items: Sequence[Any], *, include_filtered: bool = False) -> MappingResult:
        """Maps a batch of raw items (applying ``itemsToParse`` first when it is set).

        Args:
            raw_items: the raw items, as a resync handler or a live event gives them. They are
                not modified.
            include_filtered: also map items whose selector is false, into
                ``filtered_entities`` (live events use them to delete what no longer matches).

        Raises:
            UserInputError: (unless ``tolerant``) an expression went over its jq budget; the
                message names the file, the key path and the expression.
        """
        while True:
            try:
                return self._map(raw_items, include_filtered)
            except BudgetBreach as breach:
                problem = ExpressionProblem.of_breach(breach)
                if not self.tolerant:
                    raise problem.error(self.source) from None
                self._give_up_on(problem)  # and map the batch again without it

    def _give_up_on(self, problem: ExpressionProblem) -> None:
        self.problems.append(problem)
        for leaf in self._plan.leaves:
            if leaf.compiled.location == problem.location:
                leaf.compiled = CompiledExpression(problem.expression, problem.location, Strategy.LITERAL)
                self._prepare()
                return
        self._unusable = True

    def _map(self, raw_items: Sequence[Any], include_filtered: bool) -> MappingResult:
        result = MappingResult(raw_count=len(raw_items))
        if self._unusable:
            return result
        if self._items_to_parse is not None:
            expanded, result.warnings = self._items_to_parse.expand(list(raw_items), self._sandbox)
        else:
            expanded = [ExpandedItem(i, None, item) for i, item in enumerate(raw_items)]
        if not expanded:
            return result
        selections, values = self._evaluate(expanded, include_filtered)
        for item, (code, detail), leaf_values in zip(expanded, selections, values, strict=True):
            if code == SELECT_FALSE:
                result.filtered += 1
                if not include_filtered:
                    continue
            elif code != SELECT_TRUE:
                result.errors.append(
                    ItemError(item.index, self._selector_message(code, detail), item.element)
                )
                continue
            self._add_entity(item, code, leaf_values, result)
        return result

    # -- evaluation --------------------------------------------------------------------------

    def _evaluate(
        self, items: list[ExpandedItem], include_filtered: bool
    ) -> tuple[list[Selection], list[Any]]:
        """The selection of every item and, for the items to map, every leaf's value."""
        datas = [item.data for item in items]
        batch_values: list[Any] = [None] * len(items)
        if self._selector.strategy is Strategy.BATCHED:
            selections = []
            for i, output in enumerate(self._run(self._with_selector, datas, with_selector=True)):
                selections.append((output[0], output[1] if len(output) > 1 else None))
                if output[0] == SELECT_TRUE:
                    batch_values[i] = selections[-1][1]
            wanted: tuple[int, ...] = (SELECT_FALSE,) if include_filtered else ()
        else:
            selections = [self._select_alone(data) for data in datas]
            wanted = (SELECT_TRUE, SELECT_FALSE) if include_filtered else (SELECT_TRUE,)
        missing = [i for i, (code, _) in enumerate(selections) if code in wanted]
        if missing and self._batched:
            outputs = self._run(self._fields_only, [datas[i] for i in missing], with_selector=False)
            for i, output in zip(missing, outputs, strict=True):
                batch_values[i] = output
        mapped = (SELECT_TRUE, SELECT_FALSE) if include_filtered else (SELECT_TRUE,)
        values = [
            self._leaf_values(data, batch_values[i]) if selections[i][0] in mapped else None
            for i, data in enumerate(datas)
        ]
        return selections, values

    def _leaf_values(self, data: Any, batched: list[Any] | None) -> list[Any]:
        return [get(data, batched) for get in self._getters]

    def _run(self, program: BatchProgram | None, datas: list[Any], *, with_selector: bool) -> list[Any]:
        """Runs a combined program on a batch, falling back to item by item when it fails.

        Raises:
            BudgetBreach: naming the expression that went over its budget.
        """
        if program is not None:
            try:
                return program.run(datas, self._sandbox)
            except (TypeError, ValueError):
                pass
            except JqBudgetError as exc:
                raise self._culprit(datas, with_selector, exc) from None
        return [self._run_one(program, data, with_selector) for data in datas]

    def _run_one(self, program: BatchProgram | None, data: Any, with_selector: bool) -> Any:
        if program is not None:
            try:
                return program.run([data], self._sandbox)[0]
            except (TypeError, ValueError):
                pass
            except JqBudgetError as exc:
                raise self._culprit([data], with_selector, exc) from None
        # Each expression on its own, exactly as the reference runs it.
        sandbox = self._sandbox
        if not with_selector:
            return [leaf.compiled.evaluate_alone(data, sandbox) for leaf in self._batched]
        code, detail = self._select_alone(data)
        if code != SELECT_TRUE:
            return [code, detail]
        return [code, [leaf.compiled.evaluate_alone(data, sandbox) for leaf in self._batched]]

    def _culprit(self, datas: list[Any], with_selector: bool, error: JqBudgetError) -> BudgetBreach:
        """Which expression of a combined program went over its budget: each is run alone."""
        suspects = [self._selector] if with_selector else []
        suspects += [leaf.compiled for leaf in self._batched]
        if len(suspects) == 1 and suspects[0].expression is not None:
            return BudgetBreach(suspects[0].location, suspects[0].expression, error.reason)
        for suspect in suspects:
            assert suspect.expression is not None
            selector = suspect.expression if suspect is self._selector else None
            try:
                alone = BatchProgram(selector, [] if selector else [suspect.expression], self._sandbox)
                alone.run(datas, self._sandbox)
            except JqBudgetError as exc:
                return BudgetBreach(suspect.location, suspect.expression, exc.reason)
            except (TypeError, ValueError):
                continue
        names = " ; ".join(str(suspect.expression) for suspect in suspects)
        return BudgetBreach(f"resources[{self.index}]", names, error.reason)

    def _select_alone(self, data: Any) -> Selection:
        selector = self._selector
        if selector.strategy is Strategy.LITERAL:
            return _selection(selector.value)
        if selector.strategy is Strategy.PATH:
            try:
                return _selection(selector.path.evaluate(data))  # type: ignore[union-attr]
            except PathError as exc:
                return SELECT_ERROR, str(exc)
            except NotPlain:
                return _selection_by_jq(lambda: first_output(selector.program, data))  # bounded: a PATH
        return _selection_by_jq(lambda: selector.first_in_sandbox(data, self._sandbox))

    # -- entities ----------------------------------------------------------------------------

    def _add_entity(self, item: ExpandedItem, code: int, values: list[Any], result: MappingResult) -> None:
        if None in values:
            for (key, expression), value in zip(self._reports, values, strict=True):
                if value is None:
                    result.misconfigured[key] = expression
        entity: dict[str, Any] = self._build(values)
        if not (entity.get("identifier") and entity.get("blueprint")):
            result.skipped += 1
            return
        problem = _coerce_like_port_ocean(entity) if self._coerces else None
        if problem:
            result.errors.append(ItemError(item.index, problem, item.element))
            return
        (result.entities if code == SELECT_TRUE else result.filtered_entities).append(entity)

    def _selector_message(self, code: int, detail: Any) -> str:
        query = self.resource.selector.query
        if code == SELECT_NOT_BOOLEAN:
            return (
                f"selector {query!r} must give true or false, got {_short_json(detail)} ({jq_type(detail)})"
            )
        if code == SELECT_EMPTY:
            return f"selector {query!r} gave no output; it must give true or false"
        text = detail if isinstance(detail, str) else _short_json(detail)
        return f"selector {query!r} failed: {text}"


def _compile_or_record(
    expression: str, location: str, errors: CompileErrors, sandbox: JqSandbox
) -> CompiledExpression:
    try:
        return CompiledExpression.compile(expression, location, sandbox)
    except (JQCompileError, BudgetBreach) as exc:
        errors.append((location, exc))
        return CompiledExpression(expression, location, Strategy.LITERAL)


def _problem(location: str, error: JQCompileError | BudgetBreach) -> ExpressionProblem:
    if isinstance(error, BudgetBreach):
        return ExpressionProblem.of_breach(error)
    return ExpressionProblem.of_syntax(location, error)


def _batch_programs(
    selector: CompiledExpression, batched: list[Any], sandbox: JqSandbox
) -> tuple[BatchProgram | None, BatchProgram | None]:
    """The combined programs (selector + fields, fields only); None where not needed or not compilable."""
    expressions = [leaf.compiled.expression for leaf in batched]
    with_selector = fields_only = None
    if selector.strategy is Strategy.BATCHED:
        try:
            with_selector = BatchProgram(selector.expression, expressions, sandbox)
        except ValueError:
            with_selector = None
    if expressions:
        try:
            fields_only = BatchProgram(None, expressions, sandbox)
        except ValueError:
            fields_only = None
    return with_selector, fields_only


def _keys_read(expressions: list[CompiledExpression]) -> frozenset[str] | None:
    """The item keys all ``expressions`` read together, or None if one may read all of it."""
    keys: set[str] = set()
    for compiled in expressions:
        if compiled.strategy is Strategy.LITERAL or compiled.expression is None:
            continue
        read = keys_read(parse_tree(rewrite_single_quotes(compiled.expression)))
        if read is None:
            return None
        keys |= read
    return frozenset(keys)


def _selection_by_jq(first: Callable[[], Any]) -> Selection:
    try:
        return _selection(first())
    except NoOutput:
        return SELECT_EMPTY, None
    except ValueError as exc:
        return SELECT_ERROR, str(exc).strip().splitlines()[0] if str(exc).strip() else "jq error"


def _items_to_parse(
    resource: ResourceConfig, location: str, source: str, errors: CompileErrors, sandbox: JqSandbox
) -> ItemsToParse | None:
    if resource.port.items_to_parse is None:
        return None
    try:
        return ItemsToParse(
            resource.port.items_to_parse,
            name=resource.port.items_to_parse_name,
            top_level_transform=resource.port.items_to_parse_top_level_transform,
            location=location,
            source=source,
            sandbox=sandbox,
        )
    except (JQCompileError, BudgetBreach) as exc:
        errors.append((location, exc))
        return None


def _is_leaf_location(location: str) -> bool:
    return ".port.entity.mappings" in location


def _selection(value: Any) -> Selection:
    if isinstance(value, bool):
        return (SELECT_TRUE if value else SELECT_FALSE), None
    return SELECT_NOT_BOOLEAN, value


def _coerce_like_port_ocean(entity: dict[str, Any]) -> str | None:
    """Applies the reference's entity typing: numbers in ``icon``/``team`` become text.

    Returns a message when ``icon`` is not text (the reference fails the whole batch there;
    we fail only that item).
    """
    for key in ("icon", "team"):
        value = entity.get(key)
        if isinstance(value, int | float):  # bools too: the reference gives "True"
            entity[key] = str(value)
    icon = entity.get("icon")
    if isinstance(icon, dict | list):
        return f"icon must be text, got {jq_type(icon)} {_short_json(icon)}"
    return None


def _short_json(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
