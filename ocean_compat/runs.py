"""The published run models (``port_ocean.core.models``): what executors and processors read.

``ActionRun`` is a run as Port sends it (``id``, ``status``, ``action.identifier``, ``payload``
with ``integrationActionType`` and ``integrationActionExecutionProperties``); executors read
``run.execution_properties``, ``run.action_type`` and ``run.is_in_progress``. ``WorkflowNodeRun``
exists for ``isinstance`` checks and the integrations' own tests: Ocean executes action runs, not
workflow node runs, so it never hands one out. Pydantic v1, as published (the integrations'
tests build them with the published keyword arguments). No ``from __future__ import annotations``:
pydantic v1 must see the nested models' types.
"""

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import Any, Literal

from pydantic.v1 import BaseModel, Extra, Field, root_validator


class RunStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


ActionRunStatus = RunStatus


class WorkflowNodeRunStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class WorkflowNodeRunResult(StrEnum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class RunKind(StrEnum):
    ACTION = "action"
    WORKFLOW_NODE = "workflow_node"


class WorkflowNodeRunLog(BaseModel):
    level: Literal["INFO", "WARN", "ERROR", "DEBUG"]
    message: str


class IntegrationActionInvocationPayload(BaseModel):
    type: Literal["INTEGRATION_ACTION"]
    installationId: str
    integrationActionType: str
    integrationActionExecutionProperties: dict[str, Any]


class WorkflowIntegrationActionConfig(BaseModel):
    type: Literal["INTEGRATION_ACTION"]
    installationId: str
    integrationProvider: str
    integrationInvocationType: str
    integrationActionExecutionProperties: dict[str, Any]

    class Config:
        extra = Extra.allow


class IntegrationRun(ABC):
    """What every run answers, action run or workflow node run."""

    id: str

    @property
    @abstractmethod
    def run_kind(self) -> RunKind: ...

    @property
    @abstractmethod
    def action_type(self) -> str: ...

    @property
    @abstractmethod
    def execution_properties(self) -> dict[str, Any]: ...

    @property
    @abstractmethod
    def buffer_utilization_key(self) -> str: ...

    @property
    @abstractmethod
    def is_in_progress(self) -> bool: ...


class ActionRun(BaseModel, IntegrationRun):
    """An action run as Port sends it (and as ``find_run_by_external_id`` returns it)."""

    class Action(BaseModel):
        identifier: str

    class Config:
        allow_population_by_field_name = True

    id: str
    status: ActionRunStatus
    payload: IntegrationActionInvocationPayload
    action: Action

    @property
    def run_kind(self) -> RunKind:
        return RunKind.ACTION

    @property
    def action_identifier(self) -> str:
        return self.action.identifier

    @property
    def action_type(self) -> str:
        return self.payload.integrationActionType

    @property
    def execution_properties(self) -> dict[str, Any]:
        return self.payload.integrationActionExecutionProperties

    @property
    def buffer_utilization_key(self) -> str:
        return self.action_identifier

    @property
    def is_in_progress(self) -> bool:
        return self.status == ActionRunStatus.IN_PROGRESS


class WorkflowNodeRun(BaseModel, IntegrationRun):
    """A workflow node run (never handed out by Ocean; see the module docstring)."""

    class WorkflowNode(BaseModel):
        config: WorkflowIntegrationActionConfig

    class Config:
        allow_population_by_field_name = True
        extra = Extra.allow

    id: str = Field(alias="identifier")
    node_uid: str | None = Field(default=None, alias="nodeUid")
    status: WorkflowNodeRunStatus
    config: WorkflowIntegrationActionConfig | None = None
    node: WorkflowNode | None = None
    output: dict[str, Any] = Field(default_factory=dict)

    @root_validator(skip_on_failure=True)
    def _config_given(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("config") is None and values.get("node") is None:
            raise ValueError("either config or node.config must be provided")
        return values

    @property
    def integration_config(self) -> WorkflowIntegrationActionConfig:
        if self.config is not None:
            return self.config
        assert self.node is not None  # the validator guarantees one of them
        return self.node.config

    @property
    def run_kind(self) -> RunKind:
        return RunKind.WORKFLOW_NODE

    @property
    def action_type(self) -> str:
        return self.integration_config.integrationInvocationType

    @property
    def execution_properties(self) -> dict[str, Any]:
        return self.integration_config.integrationActionExecutionProperties

    @property
    def buffer_utilization_key(self) -> str:
        return self.node_uid or self.id

    @property
    def is_in_progress(self) -> bool:
        return self.status == WorkflowNodeRunStatus.IN_PROGRESS
