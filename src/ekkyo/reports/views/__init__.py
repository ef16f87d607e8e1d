"""Pages of the business reports."""
