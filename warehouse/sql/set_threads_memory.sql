-- DuckDB threads and memory limit of this connection ({threads}: an int, {memory}: a size such as '64MB';
-- both formatted by the caller from its own values, never from input).
SET threads = {threads}; SET memory_limit = '{memory}'
