"""Readers that turn outside data (Prometheus, New Relic, CSV) into :class:`Buckets`.

I/O lives here; no Django.  Every reader returns :class:`ekkyo.engine.buckets.Buckets`.
"""
