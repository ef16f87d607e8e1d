"""Review pages, one module per area (see docs/reviews.md)."""
