"""Page views, one module per page (see docs/web.md)."""
