"""ChatKit sessions: the create body and the ``chatkit.session`` resource (spec: ChatSessionResource)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from chatkit_host.types.common import STORE_INT_MAX, WireModel

StateValue = StrictStr | StrictInt | StrictBool | StrictFloat
ChatSessionStatus = Literal["active", "expired", "cancelled"]

MAX_STATE_VARIABLES = 64
MAX_STATE_KEY_LENGTH = 64
MAX_EXPIRY_SECONDS = 600
MAX_FILE_SIZE_MB = 512


class _Param(BaseModel):
    """Request parameters reject unknown fields, as OpenAI's API does."""

    model_config = ConfigDict(extra="forbid")


class WorkflowTracingParam(_Param):
    enabled: StrictBool | None = None


class WorkflowParam(_Param):
    id: Annotated[StrictStr, Field(min_length=1, max_length=256)]
    version: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None
    state_variables: dict[Annotated[str, Field(min_length=1, max_length=MAX_STATE_KEY_LENGTH)], StateValue] | None = (
        Field(default=None, max_length=MAX_STATE_VARIABLES)
    )
    tracing: WorkflowTracingParam | None = None


class ExpiresAfterParam(_Param):
    anchor: Literal["created_at"]
    seconds: Annotated[StrictInt, Field(ge=1, le=MAX_EXPIRY_SECONDS)]


class RateLimitsParam(_Param):
    max_requests_per_1_minute: Annotated[StrictInt, Field(ge=1, le=STORE_INT_MAX)] | None = None


class AutomaticThreadTitlingParam(_Param):
    enabled: StrictBool | None = None


class FileUploadParam(_Param):
    enabled: StrictBool | None = None
    max_file_size: Annotated[StrictInt, Field(ge=1, le=MAX_FILE_SIZE_MB)] | None = None
    max_files: Annotated[StrictInt, Field(ge=1, le=STORE_INT_MAX)] | None = None


class HistoryParam(_Param):
    enabled: StrictBool | None = None
    recent_threads: Annotated[StrictInt, Field(ge=1, le=STORE_INT_MAX)] | None = None


class ChatKitConfigurationParam(_Param):
    automatic_thread_titling: AutomaticThreadTitlingParam | None = None
    file_upload: FileUploadParam | None = None
    history: HistoryParam | None = None


class CreateSessionBody(_Param):
    """Body of ``POST /v1/chatkit/sessions``."""

    workflow: WorkflowParam
    user: Annotated[StrictStr, Field(min_length=1, max_length=512)]
    expires_after: ExpiresAfterParam | None = None
    rate_limits: RateLimitsParam | None = None
    chatkit_configuration: ChatKitConfigurationParam | None = None


class WorkflowTracing(WireModel):
    enabled: bool


class ChatKitWorkflow(WireModel):
    id: str
    version: str | None = None
    state_variables: dict[str, StateValue] | None = None
    tracing: WorkflowTracing


class ChatSessionRateLimits(WireModel):
    max_requests_per_1_minute: int


class ChatSessionAutomaticThreadTitling(WireModel):
    enabled: bool


class ChatSessionFileUpload(WireModel):
    enabled: bool
    max_file_size: int | None = None
    max_files: int | None = None


class ChatSessionHistory(WireModel):
    enabled: bool
    recent_threads: int | None = None


class ChatSessionChatKitConfiguration(WireModel):
    automatic_thread_titling: ChatSessionAutomaticThreadTitling
    file_upload: ChatSessionFileUpload
    history: ChatSessionHistory


class ChatSession(WireModel):
    """The ``chatkit.session`` object."""

    id: str
    object: Literal["chatkit.session"] = "chatkit.session"
    expires_at: int
    client_secret: str
    workflow: ChatKitWorkflow
    user: str
    rate_limits: ChatSessionRateLimits
    max_requests_per_1_minute: int
    status: ChatSessionStatus
    chatkit_configuration: ChatSessionChatKitConfiguration
