"""Graded tests of ex05_api_keys: only a keyed hash is stored, the compare is constant-time,
scopes give 403, expiry is exact."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import asdict, replace

import pytest

HINT = (
    "generate_key stores hash_secret(secret, pepper) only; authenticate_key parses the key, "
    "finds the record by key id, compares hashes with hmac.compare_digest, then checks "
    "revoked / expires_at (now >= expires_at is expired) and the scope (403)."
)

PEPPER = b"pepper-from-the-environment-0123"
NOW = 1_750_000_000.0
DAY = 86_400


def as_hex(value):
    """A digest as hex text, whether compared as hex str, hex bytes or raw 32 bytes."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex() if len(value) == 32 else bytes(value).decode(errors="replace")
    return value


@pytest.fixture
def recorded_ex(monkeypatch, request):
    """The exercise imported with hmac.compare_digest (and secrets') recording each call."""
    calls = []
    real = hmac.compare_digest

    def recording_compare_digest(a, b):
        calls.append((as_hex(a), as_hex(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording_compare_digest)
    monkeypatch.setattr(secrets, "compare_digest", recording_compare_digest)
    return request.getfixturevalue("ex"), calls


def new_key(ex, scopes=("lots:read",), ttl=30 * DAY, owner="cd-sem-7"):
    created = ex.generate_key(owner, scopes, ttl, pepper=PEPPER, now=NOW)
    return created.key, {created.record.key_id: created.record}


def expect_refusal(ex, status, presented, records, scope="lots:read", now=NOW):
    with pytest.raises(ex.ApiKeyError) as refused:
        ex.authenticate_key(presented, records, scope, pepper=PEPPER, now=now)
    assert refused.value.status == status, (
        f"key {presented!r} for {scope} -> {refused.value.status}, expected {status}")
    return refused.value


@pytest.mark.points(3)
def test_generated_keys_store_only_a_keyed_hash(ex):
    created = ex.generate_key("cd-sem-7", ["lots:read", "analyses:run"], 7 * DAY,
                              pepper=PEPPER, now=NOW)
    key, record = created.key, created.record
    match = re.fullmatch(r"lk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})", key)
    assert match, f"key format: {key!r}"
    key_id, secret = match.groups()
    assert ex.parse_key(key) == (key_id, secret)
    assert (record.key_id, record.owner, record.scopes) == (
        key_id, "cd-sem-7", frozenset({"lots:read", "analyses:run"}))
    assert (record.created_at, record.expires_at, record.revoked) == (NOW, NOW + 7 * DAY,
                                                                      False)
    assert record.key_hash == hmac.new(PEPPER, secret.encode(), hashlib.sha256).hexdigest()
    assert ex.hash_secret(secret, PEPPER) == record.key_hash
    assert ex.hash_secret(secret, b"another pepper") != record.key_hash
    stored = repr(asdict(record))
    assert secret not in stored, "the record holds the secret"
    assert key not in stored, "the record holds the key"
    other = ex.generate_key("cd-sem-7", ["lots:read"], DAY, pepper=PEPPER, now=NOW)
    assert other.record.key_id != key_id
    assert other.key != key


@pytest.mark.points(1)
def test_generate_refuses_bad_scopes_and_lifetimes(ex):
    assert ex.MAX_TTL_SECONDS == 365 * DAY
    for scopes, ttl in ([[], DAY], [["lots:read", "root"], DAY], [["lots:read"], 0],
                        [["lots:read"], -5], [["lots:read"], ex.MAX_TTL_SECONDS + 1]):
        with pytest.raises(ValueError):
            ex.generate_key("x", scopes, ttl, pepper=PEPPER, now=NOW)
    assert ex.generate_key("x", ["lots:read"], ex.MAX_TTL_SECONDS, pepper=PEPPER,
                           now=NOW).record.expires_at == NOW + ex.MAX_TTL_SECONDS
    assert ex.generate_key("x", ["lots:read"], 1, pepper=PEPPER, now=NOW).record.expires_at \
        == NOW + 1


@pytest.mark.points(2)
def test_parse_key_accepts_only_the_exact_format(ex):
    key, _ = new_key(ex)
    _, secret = ex.parse_key(key)
    key_id = key[3:19]
    for bad in ("", key[:-1], key + "x", " " + key, key + "\n", "LK_" + key[3:],
                key.replace(".", "_", 1), f"lk_{key_id.upper()}.{secret}",
                f"lk_{key_id[:-1]}.{secret}", f"lk_{key_id}.{secret[:-1]}!"):
        assert ex.parse_key(bad) is None, f"parse_key({bad!r}) accepted"


@pytest.mark.points(3)
def test_a_good_key_authenticates_and_bad_ones_are_401(ex):
    key, records = new_key(ex)
    record = ex.authenticate_key(key, records, "lots:read", pepper=PEPPER, now=NOW)
    assert record is next(iter(records.values()))
    key_id, secret = ex.parse_key(key)
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for presented in (None, "", "not-a-key", f"lk_{'0' * 16}.{secret}",
                      f"lk_{key_id}.{flipped}"):
        refusal = expect_refusal(ex, 401, presented, records)
        assert secret not in refusal.reason
    other_pepper = ex.generate_key("x", ["lots:read"], DAY, pepper=b"other", now=NOW)
    expect_refusal(ex, 401, other_pepper.key, {other_pepper.record.key_id: other_pepper.record})


@pytest.mark.points(3)
def test_expiry_is_exact_and_revocation_is_401(ex):
    key, records = new_key(ex, ttl=DAY)
    key_id = next(iter(records))
    ex.authenticate_key(key, records, "lots:read", pepper=PEPPER, now=NOW + DAY - 0.001)
    expect_refusal(ex, 401, key, records, now=NOW + DAY)
    expect_refusal(ex, 401, key, records, now=NOW + DAY + 1)
    revoked = {key_id: replace(records[key_id], revoked=True)}
    expect_refusal(ex, 401, key, revoked)


@pytest.mark.points(2)
def test_a_good_key_without_the_scope_is_403(ex):
    key, records = new_key(ex, scopes=("lots:read",))
    assert expect_refusal(ex, 403, key, records, scope="lots:write").reason
    expect_refusal(ex, 403, key, records, scope="lots")
    # Scope is checked last: an expired key without the scope is a 401, not a 403.
    expect_refusal(ex, 401, key, records, scope="lots:write", now=NOW + 31 * DAY)
    # ...and a wrong secret is a 401 whatever the scope.
    key_id, secret = ex.parse_key(key)
    expect_refusal(ex, 401, f"lk_{key_id}.{secret[::-1]}", records, scope="lots:write")


@pytest.mark.points(3)
def test_secrets_are_compared_in_constant_time(recorded_ex):
    ex, calls = recorded_ex
    key, records = new_key(ex)
    record = next(iter(records.values()))
    ex.authenticate_key(key, records, "lots:read", pepper=PEPPER, now=NOW)
    assert any(record.key_hash in (a, b) and a == b for a, b in calls), (
        "a matching key must be checked with hmac.compare_digest against the stored hash; "
        f"calls seen: {calls}")
    calls.clear()
    key_id, secret = ex.parse_key(key)
    wrong = f"lk_{key_id}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    expect_refusal(ex, 401, wrong, records)
    assert any(record.key_hash in (a, b) and a != b for a, b in calls), (
        "a wrong secret must be refused by hmac.compare_digest too, not by == first; "
        f"calls seen: {calls}")
