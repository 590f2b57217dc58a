{{ stage_http_bodies('ethereum') }}
