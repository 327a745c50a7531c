-- Rows of a registered chunk whose key an earlier chunk of the load already had ({cols}, {chunk}: identifiers).
SELECT DISTINCT c._row FROM seen_keys AS s JOIN {chunk} AS c USING ({cols});
