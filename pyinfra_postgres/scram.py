"""Postgres password verifiers, computed on the machine running pyinfra.

Why: to know whether a role's password is the one the deploy wants without sending that
password anywhere, the target reports only a salted digest of what Postgres stores
(pg_authid.rolpassword, itself a salted SCRAM verifier), and we compute the verifier of
the wanted password with the same salt and iteration count here. A change is then made
with the verifier, never the password: `ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...'` is
stored as is (https://www.postgresql.org/docs/current/sql-createrole.html), as psql's
\\password does. The password itself never reaches the target this way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import stringprep
import unicodedata
from dataclasses import dataclass

SCRAM_PREFIX = re.compile(r"^SCRAM-SHA-256\$(?P<iterations>[0-9]+):(?P<salt>[A-Za-z0-9+/=]+)$")
ITERATIONS = 4096  # Postgres's scram_iterations default


def saslprep(password: str) -> str:
    """RFC 4013 SASLprep as Postgres applies it: non-ASCII spaces -> space, "mapped to
    nothing" characters removed, NFKC. Postgres uses the raw password where the result
    has prohibited characters (src/common/saslprep.c), and so do we."""
    if password.isascii():
        return password  # SASLprep changes no ASCII string Postgres accepts
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in password if not stringprep.in_table_b1(c))
    normal = unicodedata.normalize("NFKC", mapped)
    prohibited = (
        stringprep.in_table_c12, stringprep.in_table_c21, stringprep.in_table_c22, stringprep.in_table_c3,
        stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7,
        stringprep.in_table_c8, stringprep.in_table_c9, stringprep.in_table_a1,
    )
    if any(check(c) for c in normal for check in prohibited):
        return password
    return normal


def scram_verifier(password: str, salt: bytes, iterations: int = ITERATIONS) -> str:
    """What Postgres stores for `password` with this salt: SCRAM-SHA-256$i:salt$StoredKey:ServerKey."""
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password).encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def new_verifier(password: str) -> str:
    """A fresh verifier (random 16-byte salt, as Postgres makes) to set a new password with."""
    return scram_verifier(password, os.urandom(16))


@dataclass(frozen=True)
class StoredPassword:
    """What the target says about a role's stored password, nothing usable to log in:
    the verifier's public head (method, iterations, salt) and a sha256 of all of it."""

    head: str  # "SCRAM-SHA-256$4096:<salt>", "md5", or "" (no password set)
    digest: str  # hex sha256 of rolpassword

    def matches(self, password: str, role: str) -> bool:
        """Whether `password` is the role's password (False when the role has none)."""
        return bool(self.head) and hashlib.sha256(self._verifier(password, role).encode()).hexdigest() == self.digest

    def _verifier(self, password: str, role: str) -> str:
        if self.head == "md5":
            return "md5" + hashlib.md5((password + role).encode()).hexdigest()
        scram = SCRAM_PREFIX.match(self.head)
        if not scram:
            return ""  # a method we do not know: never a match, so the password gets set
        return scram_verifier(password, base64.b64decode(scram["salt"]), int(scram["iterations"]))
