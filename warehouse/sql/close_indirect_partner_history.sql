-- Close the open history row of resellers that changed or are no longer listed ({batch}: the new list).
UPDATE billing.indirect_partners_history AS h SET valid_to_utc = $stamp
WHERE h.partner_domain_id = $partner AND h.valid_to_utc IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM {batch} AS b
      WHERE b.indirect_partner_id = h.indirect_partner_id AND b.content_hash = h.content_hash
  );
