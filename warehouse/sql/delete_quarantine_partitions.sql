-- A reload of partitions replaces their quarantine rows too, so quarantine shows the latest load's rejects.
DELETE FROM audit.quarantine
WHERE dataset = $dataset AND partner_domain_id = $partner AND list_contains($keys, partition_key);
