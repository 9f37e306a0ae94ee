"""Graded tests of ex01_passwords: the policy, argon2id hashing, rehash on login."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from ch04_demo.models import User

HINT = (
    "policy_violations checks each rule in the docstring's order with len() boundaries; "
    "verify_password calls hasher.verify (catching argon2's exceptions), then "
    "hasher.check_needs_rehash on success; authenticate stores the new hash and commits."
)

GOOD = "Focus-Exposure-42"


def fast_hasher(time_cost=1, memory_kib=8):
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def add_user(session, username, password, hasher):
    user = User(username=username, username_key=username.lower(),
                password_hash=hasher.hash(password), role="engineer")
    session.add(user)
    session.commit()
    return user


POLICY_CASES = [
    ("Reticle-Dose-7", "eng1", []),
    ("Abcdefghij1", "", ["too_short"]),               # 11 characters
    ("Abcdefghij12", "", []),                         # 12: the boundary is allowed
    ("a" + "b1C!" * 31 + "xyz", "", []),              # 128 characters
    ("a" + "b1C!" * 31 + "xyz9", "", ["too_long"]),   # 129
    ("abababababab", "", ["too_few_distinct"]),       # 2 distinct
    ("abcdabcdabcd", "", ["too_few_distinct"]),       # 4 distinct
    ("abcdeabcdeab", "", []),                         # 5 distinct
    ("my-WAFER42-password", "wafer42", ["contains_username"]),
    ("my-ab-password-x", "ab", []),                   # usernames under 3 characters ignored
    ("my-Eng-password-x", "eNg", ["contains_username"]),  # 3 characters count
    ("PASSWORD1234", "", ["too_common"]),
    ("aaaa", "aaaa", ["too_short", "too_few_distinct", "contains_username"]),
]


@pytest.mark.points(3)
def test_policy_reports_every_violation_in_order(ex):
    for password, username, expected in POLICY_CASES:
        got = ex.policy_violations(password, username)
        assert got == expected, f"policy_violations({password!r}, {username!r}) -> {got}"


@pytest.mark.points(1)
def test_new_passwords_are_argon2id_and_weak_ones_are_refused(ex):
    hasher = ex.make_hasher(time_cost=2, memory_cost_kib=16, parallelism=1)
    stored = ex.hash_new_password(hasher, GOOD, "eng1")
    params = extract_parameters(stored)
    assert (params.type, params.time_cost, params.memory_cost, params.parallelism) == (
        Type.ID, 2, 16, 1), stored
    assert stored != ex.hash_new_password(hasher, GOOD, "eng1"), "each hash needs its own salt"
    with pytest.raises(ex.WeakPassword) as refused:
        ex.hash_new_password(hasher, "eng1eng1", "eng1")
    assert refused.value.violations == ["too_short", "too_few_distinct", "contains_username"]


@pytest.mark.points(2)
def test_verify_matches_and_mismatches_without_exceptions(ex):
    hasher = fast_hasher()
    stored = hasher.hash(GOOD)
    assert ex.verify_password(hasher, stored, GOOD) == ex.Verification(True, None)
    assert ex.verify_password(hasher, stored, GOOD + "x") == ex.Verification(False, None)
    for broken in ("", "not-a-hash", "$argon2id$v=19$m=8,t=1,p=1$broken"):
        result = ex.verify_password(hasher, broken, GOOD)
        assert result == ex.Verification(False, None), f"stored {broken!r} -> {result}"


@pytest.mark.points(2)
def test_an_unknown_user_costs_one_verification_too(ex, monkeypatch):
    hasher = fast_hasher()
    calls = []
    real_verify = PasswordHasher.verify

    def recording_verify(self, hash, password):
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", recording_verify)
    result = ex.verify_password(hasher, None, GOOD)
    assert result == ex.Verification(False, None)
    assert len(calls) == 1, (
        f"verify_password(hasher, None, ...) called hasher.verify {len(calls)} times: an "
        "unknown username must cost one verification, as a wrong password does")
    assert extract_parameters(calls[0]) == extract_parameters(hasher.hash("x")), (
        "the dummy hash must use the hasher's own parameters, or its timing differs")


@pytest.mark.points(3)
def test_login_upgrades_a_hash_made_with_weaker_parameters(ex, session):
    old = fast_hasher(time_cost=1, memory_kib=8)
    current = fast_hasher(time_cost=2, memory_kib=16)
    add_user(session, "Engineer1", GOOD, old)
    before = session.get(User, 1).password_hash

    assert ex.authenticate(session, current, "engineer1", GOOD + "!") is None
    session.expire_all()
    assert session.get(User, 1).password_hash == before, "a failed login changed the hash"

    user = ex.authenticate(session, current, "ENGINEER1", GOOD)
    assert user is not None
    assert user.id == 1
    session.expire_all()
    after = session.get(User, 1).password_hash
    assert after != before, "a login with changed parameters must store a new hash"
    assert extract_parameters(after) == extract_parameters(current.hash("x")), after
    assert current.verify(after, GOOD)
    assert not current.check_needs_rehash(after)

    again = ex.authenticate(session, current, "engineer1", GOOD)
    assert again is not None
    session.expire_all()
    assert session.get(User, 1).password_hash == after, (
        "a hash with the current parameters must be kept, not recomputed at every login")


@pytest.mark.points(1)
def test_verify_offers_a_new_hash_only_after_a_match(ex):
    old, current = fast_hasher(1, 8), fast_hasher(2, 16)
    stored = old.hash(GOOD)
    result = ex.verify_password(current, stored, GOOD)
    assert result.ok
    assert result.new_hash is not None
    assert extract_parameters(result.new_hash) == extract_parameters(current.hash("x"))
    assert ex.verify_password(current, stored, "wrong password!") == ex.Verification(False)


@pytest.mark.points(1)
def test_unknown_users_and_broken_hashes_do_not_log_in(ex, session):
    hasher = fast_hasher()
    add_user(session, "eng2", GOOD, hasher)
    session.get(User, 1).password_hash = "corrupted"
    session.commit()
    assert ex.authenticate(session, hasher, "eng2", GOOD) is None
    assert ex.authenticate(session, hasher, "nobody", GOOD) is None
    assert session.get(User, 1).password_hash == "corrupted"
