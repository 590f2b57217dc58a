"""Small database helpers for assertions."""

from __future__ import annotations


def query(warehouse, sql: str, params=None) -> list[tuple]:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def execute(warehouse, sql: str, params=None) -> None:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params)


def built_tables(warehouse) -> dict[str, list[tuple]]:
    """Every row of every canonical and mart table, but what a rebuild stamps (load ids, times)."""
    out = {}
    for schema, table in query(warehouse, """select table_schema, table_name from information_schema.tables
                                             where table_schema in ('canonical', 'marts') and table_type = 'BASE TABLE'"""):
        columns = [c for (c,) in query(warehouse, """select column_name from information_schema.columns
            where table_schema = %s and table_name = %s order by ordinal_position""", (schema, table))
            if "load_id" not in c and not c.endswith("_at")]
        rows = query(warehouse, f'select {", ".join(columns)} from "{schema}"."{table}"')
        out[f"{schema}.{table}"] = sorted(rows, key=repr)
    assert out["marts.fct_validator_pnl"]
    return out


def view_rules(warehouse) -> dict[str, str]:
    """Each view's rewrite rule by the transaction that wrote it: CREATE OR REPLACE VIEW keeps the
    OID but writes a new rule, so a view replaced in place shows here."""
    return dict(query(warehouse, """
        select n.nspname || '.' || c.relname, r.xmin::text from pg_rewrite as r
        join pg_class as c on c.oid = r.ev_class join pg_namespace as n on n.oid = c.relnamespace
        where c.relkind = 'v' and n.nspname in ('staging', 'intermediate', 'marts')"""))
