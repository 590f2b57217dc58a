"""Where books.yaml lands, and the column types dlt must not guess."""

DATASET = "raw_books"
PIPELINE = "aurora_books"



def _text() -> dict:
    # A fresh dict per column: dlt writes the column's name into the hint it is given.
    return {"data_type": "text", "nullable": False}


SETTINGS_COLUMNS = {
    "income_basis": _text(),
}
TERM_COLUMNS = {
    "operator": _text(),
    "chain": _text(),
    "validator": _text(),
    "validator_set": _text(),
    "term_index": {"data_type": "bigint", "nullable": False},
    "effective_from": {"data_type": "date", "nullable": False},
    "effective_to": {"data_type": "date", "nullable": True},
    "model": _text(),
    # Shares and amounts travel as text: every digit the user typed reaches staging, which casts
    # them to numeric (never through a float).
    "share_pct": _text(),
    "issuance_fee_bps": {"data_type": "bigint", "nullable": False},
    "block_fees_fee_bps": {"data_type": "bigint", "nullable": False},
    "mev_fee_bps": {"data_type": "bigint", "nullable": False},
    "pays_vote_costs": {"data_type": "bool", "nullable": False},
}
CO_OWNER_COLUMNS = {
    "chain": _text(),
    "validator": _text(),
    "effective_from": {"data_type": "date", "nullable": False},
    "co_owner": _text(),
    "share_pct": _text(),
}
COST_LINE_COLUMNS = {
    "operator": _text(),
    "cost_line": _text(),
    "chain": _text(),
    "kind": _text(),
    "amount": _text(),
    "currency": _text(),
    "effective_from": {"data_type": "date", "nullable": False},
    "effective_to": {"data_type": "date", "nullable": True},
    "description": {"data_type": "text", "nullable": True},
}
COST_LINE_VALIDATOR_COLUMNS = {
    "operator": _text(),
    "cost_line": _text(),
    "chain": _text(),
    "validator": _text(),
}
