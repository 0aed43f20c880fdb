"""Outcome maps: compile, evaluate on ingest, aggregate next to KPIs, export for BI tools."""
