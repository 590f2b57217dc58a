{{ stage_rejected_items('ethereum') }}
