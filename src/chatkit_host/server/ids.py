"""Time-sortable, type-prefixed identifiers.

Every id we mint is ``<prefix>_<26 Crockford base32 chars>``: 48 bits of milliseconds since the epoch
followed by 80 bits that are random for the first id of a millisecond and incremented for the next ones
minted by the same process. The id string therefore sorts in creation order, which is what lets list
endpoints page with ``WHERE id > :cursor`` on the primary key, and lets a cursor keep working after the
object it names was deleted.
"""

from __future__ import annotations

import re
import secrets
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BODY_LENGTH = 26
_RANDOM_BITS = 80
_RANDOM_MASK = (1 << _RANDOM_BITS) - 1

SESSION = "cksess"
THREAD = "cthr"
ITEM = "cthi"
ATTACHMENT = "cfile"
FEEDBACK = "cfb"
TRACE = "trace"
SPAN = "span"

_BODY_RE = re.compile(rf"^[{_ALPHABET}]{{{_BODY_LENGTH}}}$")


class _MonotonicClock:
    """Hands out strictly increasing 128-bit values (ms timestamp, counter) for this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._last_random = 0

    def next_value(self) -> int:
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms > self._last_ms:
                self._last_ms = now_ms
                # Keep headroom so that incrementing within one millisecond cannot overflow.
                self._last_random = secrets.randbits(_RANDOM_BITS - 1)
            else:
                self._last_random = (self._last_random + 1) & _RANDOM_MASK
            return (self._last_ms << _RANDOM_BITS) | self._last_random


_clock = _MonotonicClock()


#: Every pair of digits, indexed by the 10 bits they encode: 13 lookups make an id body instead of 26.
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]
_PAIR_SHIFTS = tuple(range(10 * (_BODY_LENGTH // 2 - 1), -1, -10))


def _encode(value: int) -> str:
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _PAIR_SHIFTS])


def new_id(prefix: str) -> str:
    """A new id with ``prefix`` that sorts after every id this process minted before."""
    return f"{prefix}_{_encode(_clock.next_value())}"


def is_valid(value: str, prefix: str) -> bool:
    """Whether ``value`` is a well-formed id of the kind ``prefix``."""
    head, sep, body = value.partition("_")
    return sep == "_" and head == prefix and _BODY_RE.match(body) is not None


def timestamp_ms(value: str) -> int:
    """The creation time (ms since the epoch) encoded in a well-formed id."""
    body = value.partition("_")[2]
    number = 0
    for char in body:
        number = number * 32 + _ALPHABET.index(char)
    return number >> _RANDOM_BITS
