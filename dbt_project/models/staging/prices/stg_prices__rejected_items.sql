{{ stage_rejected_items('prices') }}
