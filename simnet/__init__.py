"""A simulated Solana + Ethereum mainnet on localhost.

It speaks the real public APIs (Solana JSON-RPC, Jito kobe, beacon, execution JSON-RPC, MEV-Boost
relays, CoinGecko) from a deterministic model, injects the faults real providers show, and writes
the ground-truth P&L ledger computed from its own model state. It shares no code with `loaders/`
or `dbt_project/`: tests compare the warehouse against it.
"""
