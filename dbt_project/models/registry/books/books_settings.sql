-- The books' settings: one row, 'accrual' when books.yaml is absent or silent.
select coalesce((select income_basis from {{ ref('stg_books__settings') }} limit 1), 'accrual') as income_basis
