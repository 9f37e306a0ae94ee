"""Serving through a Redis outage: after a failure, Redis is left alone for a while and the
caller's fallback answers, so requests do not each wait for a connection timeout.

The cache (misses while Redis is down) and the rate limiter (per-process counters) share this
guard. Each logs one warning when an outage starts and one line when Redis answers again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

T = TypeVar("T")

RETRY_AFTER_S = 5.0


def retry_once() -> Retry:
    """redis-py's retry policy for clients behind an OutageGuard: one retry on a fresh
    connection (Redis restarted under a pooled one) and no back-off. redis-py's default retries
    three times with exponential back-off, which held a request for about four seconds when
    Redis refused connections."""
    return Retry(NoBackoff(), 1)


class OutageGuard:
    """Runs Redis operations, or their fallbacks while an outage lasts (retried every
    ``RETRY_AFTER_S``). ``down_message`` is logged with the retry delay and the error."""

    def __init__(self, logger: logging.Logger, down_message: str, up_message: str) -> None:
        self.logger = logger
        self.down_message = down_message
        self.up_message = up_message
        self._down_until = 0.0
        self._lock = threading.Lock()

    def call(self, operation: Callable[[], T], fallback: Callable[[], T]) -> T:
        if time.monotonic() < self._down_until:
            return fallback()
        try:
            answer = operation()
        except RedisError as exc:
            with self._lock:
                if not self._down_until:
                    self.logger.warning(self.down_message, RETRY_AFTER_S, exc)
                self._down_until = time.monotonic() + RETRY_AFTER_S
            return fallback()
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            self.logger.warning(self.up_message)
        return answer
