-- The rows of some partitions of one table as hive-partitioned Parquet ({filter} names them, values bound).
COPY (SELECT * FROM {table} WHERE {filter})
TO {target} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({parts}), OVERWRITE_OR_IGNORE true, FILENAME_PATTERN 'part-{{i}}');
