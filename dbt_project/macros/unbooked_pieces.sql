{#
  int_books__validator_days_apportioned holds the pieces of validators that have an operator only.
  A table built by an older Aurora also holds pieces of every other validator (a network-wide
  history: six rows per validator-day), which nothing reads, and the periods it does not rebuild
  would keep them. Its pre-hook deletes them once: the first build of the table after the
  change, whatever periods it rebuilds; `aurora_control.migrations_done` remembers it, so later
  builds skip the delete (the condition gates the scan: a one-time filter, never a read of the
  table).
#}
{% macro delete_unbooked_pieces() -%}
    create table if not exists aurora_control.migrations_done (
        name text primary key,
        done_at timestamptz not null default now()
    );
    {%- if is_incremental() %}
    delete from {{ this }}
    where operator is null
      and not exists (select 1 from aurora_control.migrations_done where name = 'books_pieces_of_operators_validators_only');
    {%- endif %}
    insert into aurora_control.migrations_done (name) values ('books_pieces_of_operators_validators_only')
    on conflict do nothing
{%- endmacro %}
