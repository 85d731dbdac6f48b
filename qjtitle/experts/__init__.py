"""Experts: the pool (pool_format, pool, eligible, recusal), the seeded draw, pure (draw_inputs,
draw, unit_cap, draw_verify), and the draw procedure with its record (drawing, draw_record,
draw_answers)."""
