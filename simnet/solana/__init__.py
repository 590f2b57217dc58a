"""The simulated Solana cluster: model, JSON-RPC node, Jito's kobe API and the ledger."""
