-- Every reseller of the warehouse, by account name (owner: statements).
SELECT indirect_partner_id FROM billing.indirect_partners ORDER BY account_name, indirect_partner_id
