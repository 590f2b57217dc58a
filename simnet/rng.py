"""Deterministic randomness: every value is a pure function of (seed, labels), so any slot,
epoch or validator can be computed on its own, in any order, without replaying history."""

from __future__ import annotations

import hashlib
import struct

_MASK = (1 << 64) - 1


def h64(*parts: object) -> int:
    """A 64-bit hash of the parts (stable across runs and Python versions)."""
    data = "\x1f".join(str(p) for p in parts).encode()
    return struct.unpack("<Q", hashlib.blake2b(data, digest_size=8).digest())[0]


def mix(seed: int, i: int) -> int:
    """splitmix64 of seed ^ i: cheap enough for a million validators in a loop."""
    z = (seed ^ (i * 0x9E3779B97F4A7C15)) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def unit(value: int) -> float:
    """Map a 64-bit integer to [0, 1)."""
    return (value >> 11) * (1.0 / (1 << 53))


def uniform(*parts: object) -> float:
    return unit(h64(*parts))


def randint(low: int, high: int, *parts: object) -> int:
    """An integer in [low, high], inclusive."""
    return low + h64(*parts) % (high - low + 1)


def choice(options, *parts: object):
    return options[h64(*parts) % len(options)]


def digest(nbytes: int, *parts: object) -> bytes:
    data = "\x1f".join(str(p) for p in parts).encode()
    return hashlib.blake2b(data, digest_size=min(nbytes, 64)).digest()[:nbytes]
