-- A table: it reads every canonical table; a --full-refresh drops them at once, and their drops
-- would cascade into a view of all of them together (see int_periods_expected). Rebuilt by
-- period: the periods its canonical models rebuilt (macros/period_queue.sql).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns',
          pre_hook=["{{ delete_queued_periods() }}"], post_hook=["{{ consume_period_queue() }}"]) }}
{%- set build_periods = queued_periods() %}

-- P&L rows whose inputs break a row-level invariant (macros/invariants_failed.sql): each check is
-- (name, relation, condition true on the offending rows). The mart flags those rows
-- invariant_failed:<name>, keeps them not final, and `aurora run` / `aurora build` name them and
-- exit non-zero. A null condition counts as a failure: a sum that cannot be checked is no pass.
-- fee_split: a block's base and priority parts do not add up to its Fee reward (the split is then
-- null and the Fee reward stands as block fees).
{{ invariants_failed([
    ('fee_split', ref('validator_fees'), 'has_fee_split_mismatch'),
    ('issuance_parts', ref('stake_rewards'),
        'attestation_base_units is not null and issuance_base_units <> attestation_base_units + proposer_base_units + sync_base_units'),
    ('attestation_parts', ref('stake_rewards'),
        'attestation_base_units is not null and attestation_base_units <> head_base_units + target_base_units + source_base_units + inclusion_delay_base_units + inactivity_base_units'),
    ('mev_split', ref('validator_mev'),
        'mev_commission_bps is not null and (mev_base_units > mev_gross_base_units or priority_fee_sharing_base_units > priority_fee_rewards_base_units)'),
    ('block_production', ref('validator_meta'),
        'blocks_produced is not null and leader_slots is not null and blocks_produced > leader_slots'),
    ('reconciliation', ref('balance_reconciliations'),
        'residual_base_units <> balance_change_base_units - rewards_credited_base_units'),
    ('period_bounds', '(select chain, null::text as validator_key, period_id, period_seq, period_start, period_end from ' ~ ref('periods') ~ ') as periods',
        'period_end is not null and period_start is not null and period_end < period_start'),
], build_periods) }}
