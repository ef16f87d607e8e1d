"""Workshop pages, one module per step (see docs/workshops.md)."""
