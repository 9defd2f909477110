"""JSON in and out of model folders and result files, safely.

Reading: a file that is not a regular file (a FIFO or a device behind a link), too large,
nested too deeply, or holding NaN/Infinity is refused with a reason, never a hang or a
RecursionError. Writing: what Voice Desk writes is always valid JSON: a value that is not a
finite number is written as ``null`` (Python's bare ``NaN`` is not JSON and breaks other readers).
"""

from __future__ import annotations

import json
import math
import os
import stat

#: Deeper nesting than this is refused (no file Voice Desk or transformers writes comes close).
MAX_DEPTH = 32


def _no_constant(name: str):
    raise ValueError(f"it holds {name}, which is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"it holds the number {text}, which is too large")
    return value


def _depth(value) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def check_regular(path) -> None:
    """Raise ValueError (a reason) unless ``path`` is a regular file, links followed."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise ValueError("it is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise ValueError("it is not a regular file (a device or a pipe, perhaps behind a link)")


def read_json(path, limit: int):
    """The JSON value in ``path``. Raises ValueError with a plain reason (for the caller to put
    in its message) when the file cannot be read, is not a regular file (links are followed:
    the Hugging Face cache is made of links), holds more than ``limit`` bytes, is not valid
    JSON, holds NaN/Infinity, or nests deeper than :data:`MAX_DEPTH`."""
    try:
        check_regular(path)
        # O_NONBLOCK: a file swapped for a FIFO after the check above must not block the open.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ValueError("it is not a regular file")
            data = f.read(limit + 1)
    except OSError as exc:
        raise ValueError(f"it cannot be read ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise ValueError(f"it is larger than {limit // 1024} KB, far more than such a file holds")
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text") from None
    except ValueError as exc:  # json.JSONDecodeError, the hooks above, a number with too many digits
        raise ValueError(f"it is not valid JSON ({exc})") from None
    if _depth(value) > MAX_DEPTH:
        raise ValueError("it is nested too deeply")
    return value


def finite(value):
    """``value`` with every float that is not finite replaced by None (dicts, lists and tuples
    are walked)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(value, **kwargs) -> str:
    """``json.dumps`` that always gives valid JSON: NaN and infinities become null."""
    return json.dumps(finite(value), allow_nan=False, **kwargs)
