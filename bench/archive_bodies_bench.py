"""What storing the archive's bodies costs Postgres, by how they are compressed.

    python bench/archive_bodies_bench.py                 # 60 answers of 10,000 entries, each way twice
    python bench/archive_bodies_bench.py --answers 120 --entries 10000 --repeat 3
    AURORA_DATABASE_URL=postgresql://... python bench/archive_bodies_bench.py   # another server (lz4?)

Network-wide, every attestation-rewards answer is archived (`raw_ethereum.http_bodies`, one row a
distinct body), so a mainnet day of 1,000,000 validators stores ~227 million entries' worth of
answers. Each case writes the same bodies with the loader's own writer
(`loaders.providers.archive.store_bodies`: binary COPY) into a fresh `http_bodies` table and reads
the server backend's CPU from /proc:
- **as created**: the table as Aurora creates it (TOAST: lz4 where the server has it, else pglz);
- **pglz**, on a server that has lz4: the same table compressed as a server without it would;
- **uncompressed**: the same with `storage external` (TOAST, not compressed): the writing alone.

The bodies are beacon-API attestation-rewards answers (`total_rewards` entries of decimal strings,
compact JSON as a node writes it), each distinct, with random components in mainnet's ranges.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAINNET_DAY_ENTRIES = 227_000_000  # 1,000,000 validators, the 227 epochs a day's load reads


def answer(entries: int, seed: int) -> bytes:
    r = random.Random(seed)
    total = [{"validator_index": str(seed * entries + i), "head": str(r.randint(2_000, 3_200)),
              "target": str(r.randint(5_000, 6_200)), "source": str(r.randint(2_800, 3_400)),
              "inclusion_delay": "0", "inactivity": "0"} for i in range(entries)]
    ideal = [{"effective_balance": str(eb * 10**9), "head": "3100", "target": "6100", "source": "3300",
              "inclusion_delay": "0", "inactivity": "0"} for eb in range(1, 33)]
    return json.dumps({"execution_optimistic": False, "finalized": True, "data": {"ideal_rewards": ideal, "total_rewards": total}},
                      separators=(",", ":")).encode()  # compact, as beacon nodes write it


def backend_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def store(conn, dataset: str, bodies: list[tuple[str, bytes]], change: str | None) -> tuple[float, int, str]:
    """Backend CPU and table size of writing `bodies`, the body column altered by `change` (each
    time store_bodies ensures the table, since that sets lz4 again); the compression used."""
    from loaders.providers import archive

    ensure = archive.ensure_bodies_table

    def ensure_then_change(cur, schema: str) -> None:
        ensure(cur, schema)
        if change:
            cur.execute(f'alter table "{schema}".{archive.BODIES_TABLE} alter column body {change}')

    with conn.cursor() as cur:
        cur.execute(f'drop schema if exists "{dataset}" cascade')
        cur.execute("select pg_backend_pid()")
        pid = cur.fetchone()[0]
    conn.commit()
    archive.ensure_bodies_table = ensure_then_change
    try:
        before = backend_cpu(pid)
        archive.store_bodies(conn, dataset, iter(bodies))
        cpu = backend_cpu(pid) - before
    finally:
        archive.ensure_bodies_table = ensure
    with conn.cursor() as cur:
        cur.execute(f"select pg_total_relation_size('\"{dataset}\".{archive.BODIES_TABLE}')")
        size = cur.fetchone()[0]
        cur.execute(f'select string_agg(distinct coalesce(pg_column_compression(body), \'none\'), \',\') from "{dataset}".{archive.BODIES_TABLE}')
        used = cur.fetchone()[0]
    conn.commit()
    return cpu, size, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=60)
    parser.add_argument("--entries", type=int, default=10_000, help="entries an answer (the loader asks 10,000 at a time)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="aurora-bench-bodies-"))
    os.environ["AURORA_HOME"] = str(home)  # the embedded server's, unless AURORA_DATABASE_URL names one
    from loaders import warehouse

    # The server and the home go whatever fails, a connection refused included.
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, home, ignore_errors=True)
        cleanup.callback(warehouse.stop_embedded)
        wh = warehouse.open_warehouse()
        conn = wh.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("show default_toast_compression")
                method = cur.fetchone()[0]
                cur.execute("select 'lz4' = any(enumvals) from pg_settings where name = 'default_toast_compression'")
                lz4 = cur.fetchone()[0]
            bodies = [answer(args.entries, seed) for seed in range(args.answers)]
            bodies = [(hashlib.sha256(b).hexdigest(), b) for b in bodies]
            mib = sum(len(b) for _, b in bodies) / 2**20
            entries = args.answers * args.entries
            print(f"{args.answers} answers of {args.entries:,} entries: {mib:.1f} MiB ({mib * 2**20 / entries:.0f} bytes an entry); "
                  f"server compression: {'lz4' if lz4 else method}", file=sys.stderr)
            rows = []
            cases = [("as created (" + ("lz4" if lz4 else "pglz") + ")", None)]
            if lz4:
                cases.append(("pglz", "set compression pglz"))
            cases.append(("uncompressed", "set storage external"))
            for run in range(args.repeat):
                for label, change in cases:
                    cpu, size, used = store(conn, "bench_bodies", bodies, change)
                    rows.append((label, used, run + 1, cpu, size))
            print("| table | values stored as | run | backend CPU | ms a MiB | stored | a mainnet day's answers, extrapolated |")
            print("|---|---|---:|---:|---:|---:|---:|")
            day_mib = mib * MAINNET_DAY_ENTRIES / entries
            for label, used, run, cpu, size in rows:
                print(f"| {label} | {used} | {run} | {cpu:.2f} s | {cpu * 1000 / mib:.1f} | {size / 2**20:.0f} MiB "
                      f"| {cpu / mib * day_mib:,.0f} s of CPU, {size / 2**20 / mib * day_mib / 1024:,.1f} GiB of {day_mib / 1024:,.1f} GiB |")
        finally:
            with conn.cursor() as cur:
                cur.execute('drop schema if exists "bench_bodies" cascade')
            conn.commit()
            conn.close()


if __name__ == "__main__":
    main()
