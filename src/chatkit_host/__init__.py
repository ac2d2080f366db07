"""chatkit-host: a self-hostable ChatKit server, its Python SDK and CLI.

``import chatkit_host`` loads only the SDK and the wire types (httpx and pydantic), never the server.
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

# The version is set before these imports because the client reads it for its User-Agent.
from chatkit_host.client import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncChatKitHost,
    AsyncPage,
    AsyncPaginator,
    AuthenticationError,
    BadRequestError,
    ChatKitHost,
    ChatKitHostError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    SyncPage,
    UnprocessableEntityError,
)
from chatkit_host.types import (
    AssistantMessageItem,
    AutomaticThreadTitlingParam,
    ChatKitAttachment,
    ChatKitConfigurationParam,
    ChatKitThread,
    ChatKitWorkflow,
    ChatSession,
    ChatSessionAutomaticThreadTitling,
    ChatSessionChatKitConfiguration,
    ChatSessionFileUpload,
    ChatSessionHistory,
    ChatSessionRateLimits,
    ChatSessionStatus,
    ClientToolCallItem,
    CreateSessionBody,
    DeletedObject,
    ExpiresAfterParam,
    FileAnnotation,
    FileUploadParam,
    HistoryParam,
    InferenceOptions,
    ListPage,
    RateLimitsParam,
    ResponseOutputText,
    StateValue,
    TaskGroupItem,
    TaskGroupTask,
    TaskItem,
    ThreadDeleted,
    ThreadItem,
    ThreadStatus,
    UrlAnnotation,
    UserMessageItem,
    WidgetItem,
    WorkflowParam,
    WorkflowTracing,
    WorkflowTracingParam,
)

if TYPE_CHECKING:
    from chatkit_host.client.conversation import AsyncConversation, Conversation

#: Loaded on first use: they pull in openai-chatkit's protocol types, which REST-only scripts never need.
_LAZY = {"AsyncConversation", "Conversation"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from chatkit_host.client import conversation

        return getattr(conversation, name)
    raise AttributeError(f"module 'chatkit_host' has no attribute {name!r}")


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AssistantMessageItem",
    "AsyncChatKitHost",
    "AsyncConversation",
    "AsyncPage",
    "AsyncPaginator",
    "AuthenticationError",
    "AutomaticThreadTitlingParam",
    "BadRequestError",
    "ChatKitAttachment",
    "ChatKitConfigurationParam",
    "ChatKitHost",
    "ChatKitHostError",
    "ChatKitThread",
    "ChatKitWorkflow",
    "ChatSession",
    "ChatSessionAutomaticThreadTitling",
    "ChatSessionChatKitConfiguration",
    "ChatSessionFileUpload",
    "ChatSessionHistory",
    "ChatSessionRateLimits",
    "ChatSessionStatus",
    "ClientToolCallItem",
    "ConflictError",
    "Conversation",
    "CreateSessionBody",
    "DeletedObject",
    "ExpiresAfterParam",
    "FileAnnotation",
    "FileUploadParam",
    "HistoryParam",
    "InferenceOptions",
    "InternalServerError",
    "ListPage",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitsParam",
    "ResponseOutputText",
    "StateValue",
    "StreamError",
    "SyncPage",
    "TaskGroupItem",
    "TaskGroupTask",
    "TaskItem",
    "ThreadDeleted",
    "ThreadItem",
    "ThreadStatus",
    "UnprocessableEntityError",
    "UrlAnnotation",
    "UserMessageItem",
    "WidgetItem",
    "WorkflowParam",
    "WorkflowTracing",
    "WorkflowTracingParam",
    "__version__",
]
