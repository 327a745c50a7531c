-- One partition of one table as one Parquet file ({columns}: all but the hive partition columns, which the
-- path holds; {filter} names the partition, values bound). A plain COPY streams within a load's memory limit,
-- where COPY ... PARTITION_BY buffers a row group per open partition (out of memory at 1M rows a day).
COPY (SELECT {columns} FROM {table} WHERE {filter}) TO {target} (FORMAT parquet, COMPRESSION zstd);
