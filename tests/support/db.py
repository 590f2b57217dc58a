"""Small database helpers for assertions."""

from __future__ import annotations


def query(warehouse, sql: str, params=None) -> list[tuple]:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def execute(warehouse, sql: str, params=None) -> None:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
