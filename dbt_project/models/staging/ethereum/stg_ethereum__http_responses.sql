{{ stage_http_responses('ethereum') }}
