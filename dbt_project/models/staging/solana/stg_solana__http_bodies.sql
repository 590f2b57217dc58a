{{ stage_http_bodies('solana') }}
