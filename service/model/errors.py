"""One exception family; each class carries the HTTP status xAPI wants for it (T-21)."""

from __future__ import annotations


class LRSError(Exception):
    """Base of every error the service reports to a client; rendered once by the app."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequestError(LRSError):
    status = 400


class UnauthorizedError(LRSError):
    status = 401


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


class StoreError(LRSError):
    """A storage backend failed; the message is safe to show, details go to the log."""

    status = 500


class TooManyRequestsError(LRSError):
    """A rate limit was hit; `retry_after` seconds is sent as the Retry-After header."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotSupportedByStoreError(LRSError):
    """The configured storage backend does not offer this feature (documented in the README)."""

    status = 501


OVERLOAD_RETRY_AFTER = 1  # seconds a client refused for capacity is asked to wait


class ServiceUnavailableError(LRSError):
    """The service is at capacity; `retry_after` seconds is sent as the Retry-After header.

    `limit` names the bound that was reached (a label of the shed-requests metric).
    """

    status = 503

    def __init__(self, message: str, *, retry_after: int, limit: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.limit = limit
