-- Order-independent content checksum: row count and the sum of row hashes ({cols}: column identifiers).
SELECT count(*), coalesce(sum(hash({cols})::HUGEINT), 0) FROM {table};
