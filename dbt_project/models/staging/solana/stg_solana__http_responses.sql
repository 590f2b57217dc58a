{{ stage_http_responses('solana') }}
