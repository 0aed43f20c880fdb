"""One exception family; each class carries the HTTP status xAPI wants for it (T-21), and the
headers and body members its answer needs besides the shared ones (rendered by
`service/api/error_answer.py`)."""

from __future__ import annotations

from typing import Any

AUTH_CHALLENGE = 'Basic realm="xAPI"'


class LRSError(Exception):
    """Base of every error the service reports to a client; rendered once by the app."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def headers(self) -> dict[str, str]:
        """Headers the answer carries besides Content-Type, Content-Length and the version."""
        return {}

    @property
    def details(self) -> dict[str, Any]:
        """Members of the error body besides `error`, `status` and `message`."""
        return {}


class BadRequestError(LRSError):
    status = 400


class UnauthorizedError(LRSError):
    status = 401

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": AUTH_CHALLENGE}


class ForbiddenError(LRSError):
    status = 403


class NotFoundError(LRSError):
    status = 404


class MethodNotAllowedError(LRSError):
    status = 405


class ConflictError(LRSError):
    status = 409


class PreconditionFailedError(LRSError):
    status = 412


class PayloadTooLargeError(LRSError):
    status = 413


class UnsupportedMediaTypeError(LRSError):
    status = 415


class _ClosingError(LRSError):
    """A refusal after which the request is left unread: the connection closes."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}


class RequestTimeoutError(_ClosingError):
    """A request head or body did not arrive in time."""

    status = 408


class URITooLongError(_ClosingError):
    """The request line or query string is over its limit."""

    status = 414


class HeaderFieldsTooLargeError(_ClosingError):
    """The request headers are over their limit."""

    status = 431


class StoreError(LRSError):
    """A storage backend failed; the message is safe to show, details go to the log."""

    status = 500


class _RetryLaterError(LRSError):
    """A refusal the client may retry after `retry_after` seconds (the Retry-After header)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TooManyRequestsError(_RetryLaterError):
    """A rate limit was hit; `retry_after` seconds is sent as the Retry-After header."""

    status = 429


class NotSupportedByStoreError(LRSError):
    """The configured storage backend does not offer this feature (documented in the README)."""

    status = 501


OVERLOAD_RETRY_AFTER = 1  # seconds a client refused for capacity is asked to wait


class ServiceUnavailableError(_RetryLaterError):
    """The service is at capacity; `retry_after` seconds is sent as the Retry-After header.

    `limit` names the bound that was reached (a label of the shed-requests metric).
    """

    status = 503

    def __init__(self, message: str, *, retry_after: int, limit: str) -> None:
        super().__init__(message, retry_after=retry_after)
        self.limit = limit
