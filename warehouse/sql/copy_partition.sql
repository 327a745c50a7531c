-- One partition of one table as one Parquet file ({columns}: all but the hive partition columns, which the
-- path holds; {filter} names the partition, values bound). A plain COPY streams within a load's memory limit,
-- where COPY ... PARTITION_BY buffers a row group per open partition (out of memory at 1M rows a day);
-- 32k-row groups: under that limit the default 122,880 spilled and cost 3x the CPU (13 s vs 4 s per 1M rows).
COPY (SELECT {columns} FROM {table} WHERE {filter}) TO {target} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768);
