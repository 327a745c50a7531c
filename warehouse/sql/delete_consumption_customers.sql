-- The consume-sub-customers answer is replaced per cycle by the latest load of that cycle.
DELETE FROM audit.consumption_customers WHERE partner_domain_id = $partner AND list_contains($cycles, bill_cycle);
