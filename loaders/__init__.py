"""Aurora's loaders: dlt sources that land provider payloads in raw Postgres schemas."""

import os

# No phoning home from a self-hosted warehouse: dlt's anonymous telemetry stays off unless asked.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

# Sources list their archive resources last and rely on resources being extracted in order
# (see loaders/providers/archive.py); dlt's default interleaves them.
os.environ.setdefault("EXTRACT__NEXT_ITEM_MODE", "fifo")
