{#
  Commission history per validator (type-2), every commission in basis points (the inflation
  commission too: SIMD-0291 lets it be a fraction of a percent): a new version whenever the inflation commission, the
  Jito MEV commission or the Jito priority-fee commission changes between two builds. Each build
  snapshots the validator's settings as of its latest loaded period whose commission is known
  (a Solana vote account with 0% commission receives no inflation reward, so getInflationReward
  answers null and the commission is known only from a getVoteAccounts snapshot of that epoch).
  dbt_valid_from is the build that first saw a version, not the epoch it took effect:
  observed_period_id says which period it was read from, and canonical.validator_meta keeps the
  per-period values. Legacy SQL block rather than YAML + an ephemeral model, so that the one-row-
  per-validator selection lives beside the snapshot instead of in the models tree.
#}
{% snapshot validator_commissions %}

{{ config(
    unique_key=['chain', 'validator_key'],
    strategy='check',
    check_cols=['commission_bps', 'mev_commission_bps', 'priority_fee_commission_bps'],
    pre_hook="{{ commission_history_in_bps() }}",
) }}

select distinct on (chain, validator_key)
    chain,
    validator_key,
    commission_bps,
    mev_commission_bps,
    priority_fee_commission_bps,
    period_id as observed_period_id,
    period_seq as observed_period_seq

from {{ ref('validator_meta') }}
where commission_bps is not null
order by chain, validator_key, period_seq desc

{% endsnapshot %}
