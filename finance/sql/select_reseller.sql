-- One reseller's name and account name (owner: statements). Params: $reseller.
SELECT name, account_name FROM billing.indirect_partners WHERE indirect_partner_id = $reseller
