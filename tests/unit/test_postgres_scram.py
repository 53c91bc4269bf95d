"""pyinfra_postgres.scram: verifiers exactly as Postgres 17 stores them (captured from the
stand-in image: `ALTER ROLE app PASSWORD ...; SELECT rolpassword FROM pg_authid`), and
SASLprep by RFC 4013's own examples."""

from __future__ import annotations

import base64
import hashlib

import pytest

from pyinfra_postgres.scram import StoredPassword, new_verifier, saslprep, scram_verifier

# Postgres 17.12 (devstack-local/postgres:17), POSTGRES_PASSWORD=pencil, role app.
PENCIL = "SCRAM-SHA-256$4096:nptXb2ZlW1eX75qO5oZA+w==$YRWE6KNrsbx4DA86zO4yuk0RAQ+eybgARbGSUPHkepg=:nmqBWdCnD9om0IV5TX1Aj2R3fj+NXRo5Vmr7Dek/lsQ="
# The same server, ALTER ROLE app PASSWORD 'I\u2168 \u00ADx' (backslashes literal: a hostile-ish ASCII value).
BACKSLASHES = "SCRAM-SHA-256$4096:PxRWcpTCE0CVnbqgxwGdcQ==$aHZskX4749oEZfAwoF/OFL+rzS+8EODc8kMkXp2ACwE=:vjx5padRMExvb6ML79IjBBikltgH0oreBe209UeNFIM="
# SET password_encryption = md5; ALTER ROLE app PASSWORD 'h\u00e9llo w'
MD5 = "md56a79215da53c3e0e317cb018ba1c691b"


def stored(verifier: str) -> StoredPassword:
    head = "md5" if verifier.startswith("md5") else verifier.rsplit("$", 1)[0]
    return StoredPassword(head=head, digest=hashlib.sha256(verifier.encode()).hexdigest())


def salt_of(verifier: str) -> bytes:
    return base64.b64decode(verifier.split(":")[1].split("$")[0])


@pytest.mark.parametrize(("password", "verifier"), [("pencil", PENCIL), ("I\\u2168 \\u00ADx", BACKSLASHES)])
def test_scram_verifier_is_what_postgres_stores(password, verifier):
    assert scram_verifier(password, salt_of(verifier), 4096) == verifier


@pytest.mark.parametrize("verifier", [PENCIL, BACKSLASHES, MD5])
def test_stored_password_matches_only_its_own_password(verifier):
    password = {PENCIL: "pencil", BACKSLASHES: "I\\u2168 \\u00ADx", MD5: "h\\u00e9llo w"}[verifier]
    assert stored(verifier).matches(password, "app")
    assert not stored(verifier).matches(password + "x", "app")
    assert not stored(verifier).matches("x'; DROP ROLE app; --", "app")


def test_md5_is_salted_by_the_role_name():
    assert not stored(MD5).matches("h\\u00e9llo w", "other")


def test_no_password_or_an_unknown_method_never_matches():
    assert not StoredPassword(head="", digest=hashlib.sha256(b"").hexdigest()).matches("", "app")
    assert not StoredPassword(head="SCRAM-SHA-512$1:x", digest="0" * 64).matches("pencil", "app")


def test_new_verifier_has_a_fresh_salt_and_checks_out():
    one, two = new_verifier("pencil"), new_verifier("pencil")
    assert one != two and one.startswith("SCRAM-SHA-256$4096:")
    assert stored(one).matches("pencil", "app")


@pytest.mark.parametrize(
    ("raw", "prepared"),
    [
        ("I\u00adX", "IX"),  # RFC 4013 section 3: soft hyphen mapped to nothing
        ("user", "user"),
        ("USER", "USER"),  # case preserved
        ("\u00aa", "a"),  # NFKC
        ("\u2168", "IX"),
        ("a\u00a0b", "a b"),  # non-ASCII space -> space
        ("\u00adx\u0080", "\u00adx\u0080"),  # a prohibited control: Postgres keeps the raw password
    ],
)
def test_saslprep_by_rfc_4013_examples(raw, prepared):
    assert saslprep(raw) == prepared
