"""ekkyo: an SLO platform where business, development and SRE teams meet."""

__version__ = "0.1.0.dev0"
