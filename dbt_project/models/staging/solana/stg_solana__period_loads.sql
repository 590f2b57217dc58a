{{ stage_period_loads('solana') }}
