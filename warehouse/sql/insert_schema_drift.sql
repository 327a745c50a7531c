-- First sighting of an unknown wire field or header per dataset; later sightings are not repeated.
INSERT INTO audit.schema_drift (dataset, field, first_seen_utc, sample, load_id)
SELECT $dataset, $field, $first_seen_utc, $sample, $load_id
WHERE NOT EXISTS (SELECT 1 FROM audit.schema_drift WHERE dataset = $dataset AND field = $field);
