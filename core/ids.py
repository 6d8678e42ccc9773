"""Public object ids: a readable prefix and 16 random base32 characters (80 bits): `dash_k3j…`."""

import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def new_id(prefix: str, length: int = 16) -> str:
    return f"{prefix}_{''.join(secrets.choice(_ALPHABET) for _ in range(length))}"
