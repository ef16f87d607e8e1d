"""Pages of the error budget policies."""
