{{ stage_schedules('ethereum') }}
