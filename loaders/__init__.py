"""Aurora's loaders: dlt sources that land provider payloads in raw Postgres schemas."""

import os

# No phoning home from a self-hosted warehouse: dlt's anonymous telemetry stays off unless asked.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
