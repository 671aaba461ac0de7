"""When a report was made: the time it prints, reproducible through ``SOURCE_DATE_EPOCH``."""

from __future__ import annotations

import datetime as dt
import os

from annotator.errors import InputError

# Up to 9999-12-31T23:59:59Z: the ISO date the report prints has four-digit years.
_MAX_EPOCH = 253402300799


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as whole seconds since 1970 (None when unset or empty), or InputError.

    The CLI calls this before any work so that a malformed value is one error, not one per sample."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    # Digits only (reproducible-builds.org spec): int() would also take ' 12', '+12' and '1_2'.
    if not (value.isascii() and value.isdigit()) or int(value) > _MAX_EPOCH:
        raise InputError(
            f"SOURCE_DATE_EPOCH {value!r} is not a whole number of seconds since 1970-01-01 (0 to {_MAX_EPOCH})"
        )
    return int(value)


def generated_at() -> str:
    """UTC time of generation; ``SOURCE_DATE_EPOCH`` makes it reproducible."""
    epoch = source_date_epoch()
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC) if epoch is not None else dt.datetime.now(dt.UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")
