-- A table without partitions as one Parquet file.
COPY (SELECT * FROM {table}) TO {target} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768);
