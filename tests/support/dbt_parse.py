"""dbt's saved parse of the project, handed from one test warehouse to the next of the same name.

dbt parses the project in full (about 10 s of CPU) whenever the connection differs from its saved
parse's, and the database name is part of it. The parse a warehouse's dbt left in its target
directory becomes the seed of the next warehouse of that name (DBT_PARTIAL_PARSE_FILE_PATH, read
by every dbt it runs, in process or not); dbt still checks it against the project's files,
variables and connection, and parses in full when anything differs.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def save_parse(home: Path, seed: Path) -> None:
    """The parse dbt left under AURORA_HOME `home`, as `seed` (none written: the seed stays)."""
    parsed = home / "dbt" / "target" / "partial_parse.msgpack"  # written only when dbt parsed
    if parsed.exists():
        seed.parent.mkdir(parents=True, exist_ok=True)
        staged = seed.with_suffix(".tmp")
        shutil.copyfile(parsed, staged)
        staged.replace(seed)
