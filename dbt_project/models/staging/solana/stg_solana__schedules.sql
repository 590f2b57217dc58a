{{ stage_schedules('solana') }}
