"""The current request's id, for log lines and audit rows. Set by the web middleware and the
worker; a plain context variable so that lower layers need not import the web layer."""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("carecircle_request_id", default="")


def get_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> str:
    request_id = value or uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


class RequestIdLogFilter(logging.Filter):
    """Adds the request id to every log line, so a line can be tied to its audit rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id() or "-"
        return True
