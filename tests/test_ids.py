"""Ids: Crockford base32 of (ms timestamp, counter), so that their text sorts in creation order."""

from __future__ import annotations

import secrets
import time

from chatkit_host.server import ids

_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _decode(body: str) -> int:
    value = 0
    for char in body:
        value = value * 32 + _DIGITS.index(char)
    return value


def test_an_id_body_is_its_128_bit_value_in_crockford_base32() -> None:
    for value in [0, 1, 31, 32, (1 << 128) - 1, *(secrets.randbits(128) for _ in range(2_000))]:
        body = ids._encode(value)
        assert len(body) == 26 and _decode(body) == value


def test_text_order_is_numeric_order() -> None:
    values = sorted(secrets.randbits(128) for _ in range(2_000))
    bodies = [ids._encode(v) for v in values]
    assert bodies == sorted(bodies)


def test_new_ids_are_unique_increasing_well_formed_and_carry_their_time() -> None:
    before = time.time_ns() // 1_000_000
    minted = [ids.new_id(ids.THREAD) for _ in range(5_000)]
    after = time.time_ns() // 1_000_000
    assert minted == sorted(minted) and len(set(minted)) == len(minted)
    assert all(ids.is_valid(i, ids.THREAD) and not ids.is_valid(i, ids.ITEM) for i in minted)
    assert before <= ids.timestamp_ms(minted[0]) <= ids.timestamp_ms(minted[-1]) <= after


def test_malformed_ids_are_not_valid() -> None:
    good = ids.new_id(ids.SESSION)
    for bad in [
        "",
        "cksess_",
        good + "0",
        good[:-1],
        good.replace("cksess", "cthr"),
        good[:-1] + "U",
        "cksess" + good[6:].lower(),
    ]:
        assert not ids.is_valid(bad, ids.SESSION), bad
