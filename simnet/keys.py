"""Key and hash formats of both chains, derived deterministically from labels."""

from __future__ import annotations

from simnet.rng import digest

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    n = 0
    for char in text:
        n = n * 58 + _B58.index(char)  # ValueError on a character outside the alphabet
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")


def is_pubkey(text: object) -> bool:
    """A base58 string of 32 bytes: what a Solana node accepts as a pubkey parameter."""
    if not isinstance(text, str) or not 32 <= len(text) <= 44:
        return False
    try:
        return len(b58decode(text)) == 32
    except ValueError:
        return False


def solana_pubkey(*labels: object) -> str:
    return b58encode(digest(32, "solana-pubkey", *labels))


def solana_signature(*labels: object) -> str:
    return b58encode(digest(64, "solana-signature", *labels))


def solana_hash(*labels: object) -> str:
    return b58encode(digest(32, "solana-hash", *labels))


def hex_bytes(nbytes: int, *labels: object) -> str:
    data = b""
    counter = 0
    while len(data) < nbytes:
        data += digest(64, *labels, counter)
        counter += 1
    return "0x" + data[:nbytes].hex()


def eth_address(*labels: object) -> str:
    return hex_bytes(20, "eth-address", *labels)


def eth_hash(*labels: object) -> str:
    return hex_bytes(32, "eth-hash", *labels)


def bls_pubkey(*labels: object) -> str:
    return hex_bytes(48, "bls-pubkey", *labels)


def bls_signature(*labels: object) -> str:
    return hex_bytes(96, "bls-signature", *labels)
