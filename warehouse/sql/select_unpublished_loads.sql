-- Loads committed since the published generation was made: their partner account and partition labels.
SELECT load_id, dataset, partner_domain_id, partitions
FROM audit.load_log
WHERE load_id NOT IN (SELECT unnest(CAST($published AS VARCHAR[])))
ORDER BY finished_at_utc, load_id;
