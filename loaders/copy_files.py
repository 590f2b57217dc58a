"""Validator-sized tables reach their load package as CSV files written here, which dlt imports as
they are (`dlt.mark.with_file_import`) and its Postgres destination loads with `COPY ... FROM STDIN`.

Before, each arrow batch went to dlt, which wrote it to parquet while extracting, read it back while
normalizing to add `_dlt_id`, and wrote it again as CSV: on one epoch of 400,000 validators that
round trip was 0.3–0.4 s of normalize and the parquet writing in extract, beside a 0.4 s COPY.
Here each batch is written once, by pyarrow's CSV writer with the options dlt's own arrow CSV
writer uses (quoting where needed, a quoted header line), so the files are the ones normalize
wrote. The two columns dlt would have added are added here: `_dlt_load_id` (the package being
extracted: staging reads rows of completed loads only) and `_dlt_id` (dlt's own random ids).
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from dlt.common.normalizers.utils import DLT_ID_LENGTH_BYTES

# Rows per imported file: each file is one COPY job (its own transaction) in dlt's load step.
FILE_ROWS = 2_000_000

DLT_COLUMNS = {
    "_dlt_load_id": {"data_type": "text", "nullable": False},
    "_dlt_id": {"data_type": "text", "nullable": False},
}


def dlt_ids(n: int, length: int = DLT_ID_LENGTH_BYTES) -> pa.Array:
    """`n` random `_dlt_id`s as dlt makes them (base64 of `length` random bytes, without padding:
    14 characters for dlt's 10 bytes), in one pass of C: dlt's own `generate_dlt_ids` encodes
    and decodes one Python string per row (0.14–0.19 s for 400,000 rows; 0.02 s here). Each id
    is encoded from `length` rounded up to a multiple of 3 bytes, so the ids lie side by side in
    one base64 text and are cut from it at a fixed stride; its last character carries up to 4
    more random bits than dlt's (the padding bits dlt leaves at zero)."""
    width = -(-length // 3) * 3
    stride, keep = 4 * width // 3, -(-4 * length // 3)
    text = base64.b64encode(secrets.token_bytes(n * width))
    fixed = pa.Array.from_buffers(pa.binary(stride), n, [None, pa.py_buffer(text)])
    # base64's alphabet is ASCII: the bytes are valid UTF-8 as they are.
    return pc.binary_slice(fixed.cast(pa.binary()), 0, keep).view(pa.string())


def with_dlt_columns(columns: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A bulk table's column hints with the two columns its files carry: dlt only learns a table's
    columns from hints when it imports a file."""
    return {**columns, **DLT_COLUMNS}


class CopyFiles:
    """The CSV files of one table in the package being extracted, FILE_ROWS rows at most each.
    `add` writes a batch and yields the import of every file it fills; `finish` yields the last.
    A file is removed once dlt has linked it into the package (or on failure: nothing is left)."""

    def __init__(self, table: str, directory: Path | None = None) -> None:
        self.table = table
        self.load_id = dlt.current.load_package_state()["load_id"]
        self.directory = directory or Path(dlt.current.pipeline().working_dir) / "copy_files"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._path: str | None = None
        self._file: Any = None
        self._writer: pcsv.CSVWriter | None = None
        self._schema: pa.Schema | None = None
        self._rows = 0

    def add(self, batch: pa.Table) -> Iterator[Any]:
        n = batch.num_rows
        if not n:
            return
        batch = batch.append_column(pa.field("_dlt_load_id", pa.string(), nullable=False), pa.repeat(self.load_id, n).cast(pa.string())) \
                     .append_column(pa.field("_dlt_id", pa.string(), nullable=False), dlt_ids(n))
        if self._writer is not None and not batch.schema.equals(self._schema):
            raise ValueError(f"{self.table}: a batch's columns changed within one load ({self._schema} → {batch.schema})")
        if self._writer is None:
            self._open(batch.schema)
        self._writer.write_table(batch)
        self._rows += n
        if self._rows >= FILE_ROWS:
            yield from self._close()

    def finish(self) -> Iterator[Any]:
        if self._writer is not None:
            yield from self._close()

    def discard(self) -> None:
        """Close and remove a file not handed to dlt (the extract failed)."""
        if self._file is not None:
            self._file.close()
            self._file = self._writer = None
        if self._path is not None:
            Path(self._path).unlink(missing_ok=True)
            self._path = None

    def _open(self, schema: pa.Schema) -> None:
        fd, self._path = tempfile.mkstemp(prefix=f"{self.table}.", suffix=".csv", dir=self.directory)
        self._file = os.fdopen(fd, "wb")
        # The header as dlt writes it (a quoted name per column); pyarrow's own header is left out,
        # as dlt leaves it out (apache/arrow#47575).
        self._file.write((",".join(f'"{name}"' for name in schema.names) + "\n").encode())
        self._writer = pcsv.CSVWriter(self._file, schema, write_options=pcsv.WriteOptions(
            include_header=False, delimiter=",", quoting_style="needed"))
        self._schema = schema
        self._rows = 0

    def _close(self) -> Iterator[Any]:
        self._writer.close()
        self._file.close()
        path, rows = self._path, self._rows
        self._file = self._writer = None
        try:
            yield dlt.mark.with_file_import(path, "csv", rows)
        finally:
            # dlt links (or copies) the file into the package when it takes the item.
            Path(path).unlink(missing_ok=True)
            self._path = None
