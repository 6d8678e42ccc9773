"""Public object ids: a readable prefix and 16 random base32 characters (80 bits): `dash_k3j…`."""

import base64
import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
# RFC 4648 base32 digit -> the Crockford digit of the same 5-bit value.
_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def new_id(prefix: str, length: int = 16) -> str:
    """5 random bits per character from the OS's CSPRNG: one `token_bytes` call and a base32
    encoding (every session issued draws one; per-character `secrets.choice` cost ~25 µs)."""
    random = base64.b32encode(secrets.token_bytes((length * 5 + 7) // 8))
    return f"{prefix}_{random.translate(_CROCKFORD)[:length].decode()}"
