"""Jobs for the worker-pool tests, run inside worker processes (importable by module path)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def echo_pid(value: Any) -> tuple[int, Any]:
    return os.getpid(), value


def sleep_then(value: Any, seconds: float) -> Any:
    time.sleep(seconds)
    return value


def die(*args: Any, **kwargs: Any) -> None:
    """A document that kills the process reading it (as a crash in a C library would)."""
    os.kill(os.getpid(), signal.SIGKILL)


def boom(*args: Any) -> None:
    raise ValueError("bad job")
