-- Vote fees paid by the identity, estimated from vote credits: a vote landing in time earns
-- vote_credits_per_vote credits (16 since SIMD-0033) and pays lamports_per_signature. Late votes
-- earn fewer credits, so this undercounts for validators that vote late; rows say it is an estimate.
with

credits as (

    select * from {{ ref('stg_solana__epoch_credits') }}

),

chains as (

    select chain, vote_credits_per_vote, lamports_per_signature from {{ ref('chains') }}

)

select
    credits.chain,
    credits.vote_pubkey,
    credits.epoch,
    credits.credits_earned,
    credits.is_complete as is_credits_complete,
    ceil(credits.credits_earned::numeric / chains.vote_credits_per_vote) as votes_estimated,
    ceil(credits.credits_earned::numeric / chains.vote_credits_per_vote) * chains.lamports_per_signature as vote_costs_lamports,
    credits.load_id

from credits
join chains on chains.chain = credits.chain
