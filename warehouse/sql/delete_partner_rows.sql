-- Unpartitioned tables (customers): the whole list of one partner account is replaced.
DELETE FROM {table} WHERE partner_domain_id = $partner;
