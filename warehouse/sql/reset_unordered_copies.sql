-- The writer's connection goes back to DuckDB's default after a publish's COPYs (loads keep their order).
RESET preserve_insertion_order
