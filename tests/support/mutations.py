"""Random small edits of a payload, for the tests that pin a quick reader to the ordinary one."""

from __future__ import annotations

import random
from collections.abc import Iterator


def mutated(base: bytes, alphabet: list[bytes], count: int, seed: int) -> Iterator[bytes]:
    """`count` copies of `base`, each with one or two edits at random places: a character of
    `alphabet` replacing one or inserted, or up to 8 bytes deleted."""
    rng = random.Random(seed)
    for _ in range(count):
        body = bytearray(base)
        for _ in range(rng.randint(1, 2)):
            at = rng.randrange(len(body) + 1)
            kind = rng.random()
            if kind < 0.4:
                body[at:at + 1] = rng.choice(alphabet)
            elif kind < 0.7:
                body[at:at] = rng.choice(alphabet)
            else:
                del body[at:at + rng.randint(1, 8)]
        yield bytes(body)
