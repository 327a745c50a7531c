-- Published files need no row order (views over them have none): without it DuckDB's COPY streams instead of
-- buffering the partition in order, under the writer's memory limit half the CPU (B5: a 968k-row day 4.6 ->
-- 2.0 s of CPU, zstd, the same 40 MB file).
SET preserve_insertion_order = false
