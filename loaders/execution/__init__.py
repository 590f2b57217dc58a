"""Execution-layer JSON-RPC: the blocks tracked validators proposed, their transactions and receipts."""
