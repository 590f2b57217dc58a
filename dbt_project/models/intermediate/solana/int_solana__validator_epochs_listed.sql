-- The grid of the P&L: every (vote account, epoch) a run loaded. getInflationReward is asked for
-- every tracked vote account of every loaded epoch, so its rows (null answers included) list them.
select
    chain,
    vote_pubkey,
    epoch,
    load_id

from {{ ref('stg_solana__inflation_rewards') }}
