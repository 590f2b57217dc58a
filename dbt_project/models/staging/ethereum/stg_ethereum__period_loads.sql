{{ stage_period_loads('ethereum') }}
