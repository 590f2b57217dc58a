{{ stage_rejected_items('solana') }}
