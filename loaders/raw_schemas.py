"""Raw datasets exist, empty, before any chain is loaded, so `dbt build` works on a new warehouse."""

from __future__ import annotations

from loaders.bulk import BULK_TABLES
from loaders.pipeline import make_pipeline
from loaders.providers.archive import ARCHIVE_TABLE, ensure_archive_tables
from loaders.runs import run_load
from loaders.warehouse import Warehouse


def _families():
    from loaders.solana import solana_schema
    from loaders.solana.settings import DATASET as SOLANA_DATASET
    from loaders.solana.settings import PIPELINE as SOLANA_PIPELINE

    from loaders.ethereum import ethereum_schema
    from loaders.ethereum.settings import DATASET as ETHEREUM_DATASET
    from loaders.ethereum.settings import PIPELINE as ETHEREUM_PIPELINE

    from loaders.prices import prices_schema
    from loaders.prices.settings import DATASET as PRICES_DATASET
    from loaders.prices.settings import PIPELINE as PRICES_PIPELINE

    return [(SOLANA_PIPELINE, SOLANA_DATASET, solana_schema), (ETHEREUM_PIPELINE, ETHEREUM_DATASET, ethereum_schema),
            (PRICES_PIPELINE, PRICES_DATASET, prices_schema)]


def _missing(warehouse: Warehouse, dataset: str, wanted: dict[str, set[str]]) -> bool:
    """True when a table, or a column a newer Aurora added, is not in the warehouse yet."""
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("select table_name, column_name from information_schema.columns where table_schema = %s", (dataset,))
        present: dict[str, set[str]] = {}
        for table, column in cur.fetchall():
            present.setdefault(table, set()).add(column)
    return any(not columns <= present.get(table, set()) for table, columns in wanted.items())


def ensure_raw_schemas(warehouse: Warehouse) -> None:
    """Create what is missing (dlt adds new columns to existing tables as well), and let a column
    a newer Aurora declares nullable take nulls (dlt never relaxes an existing NOT NULL)."""
    for pipeline_name, dataset, schema_source in _families():
        source = schema_source()
        wanted = {name: set(resource.columns) for name, resource in source.resources.items()}
        if _missing(warehouse, dataset, wanted):
            run_load(make_pipeline(pipeline_name, dataset, warehouse), source)
        nullable = {(name, column) for name, resource in source.resources.items()
                    for column, spec in resource.columns.items() if spec.get("nullable", True)}
        _relax_not_null(warehouse, dataset, nullable)
        for schema in (dataset, f"{dataset}_staging"):  # the staging table of a merge: dlt's default name
            _drop_row_id_unique(warehouse, schema, BULK_TABLES | {ARCHIVE_TABLE})
        conn = warehouse.connect()
        try:
            ensure_archive_tables(conn, dataset)
        finally:
            conn.close()


def _relax_not_null(warehouse: Warehouse, dataset: str, nullable: set[tuple[str, str]]) -> None:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("select table_name, column_name from information_schema.columns "
                    "where table_schema = %s and is_nullable = 'NO'", (dataset,))
        for table, column in cur.fetchall():
            if (table, column) in nullable:
                cur.execute(f'alter table "{dataset}"."{table}" alter column "{column}" drop not null')


def _drop_row_id_unique(warehouse: Warehouse, schema: str, tables: frozenset[str]) -> None:
    """dlt creates every Postgres table with `_dlt_id ... UNIQUE`: an index on a random string,
    maintained row by row on every COPY and every merge insert, that grows with the table's
    history (on a network-wide day it made the COPY of attestation rewards ~3.5x slower than a
    plain COPY). Nothing reads or joins by `_dlt_id` (a table's key is its merge key, tested in
    dbt; the raw tables have no nested tables), so the validator-sized tables (loaders/bulk.py
    BULK_TABLES), the response archive (also loaded by COPY) and their merge staging tables go
    without it; once dropped, dlt does not create
    it again (a staging table dlt creates later loses it on the next run). Each drop commits on
    its own: a run loading the dataset meanwhile waits for one table at a time, never for all."""
    conn = warehouse.connect()
    conn.autocommit = True
    try:
        cur = conn.cursor()
        cur.execute("""select c.relname, k.conname from pg_constraint as k
                       join pg_class as c on c.oid = k.conrelid
                       join pg_namespace as n on n.oid = c.relnamespace
                       join pg_attribute as a on a.attrelid = c.oid and a.attnum = any(k.conkey)
                       where n.nspname = %s and k.contype = 'u' and a.attname = '_dlt_id'
                         and array_length(k.conkey, 1) = 1 and c.relname = any(%s)""", (schema, sorted(tables)))
        for table, constraint in cur.fetchall():
            cur.execute(f'alter table "{schema}"."{table}" drop constraint if exists "{constraint}"')
    finally:
        conn.close()
