-- The connection's DuckDB threads and memory limit, to give them back after a block that changed them.
SELECT current_setting('threads'), current_setting('memory_limit')
