"""Experts: the pool (import, eligibility, recusal, expiry), the seeded draw (pure) and the draw
procedure with its record (pool, draw, drawing)."""
