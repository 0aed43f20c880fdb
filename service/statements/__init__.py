"""The statement services: ingest, read and export, one call per request for any route.

The rules every statement route must keep live here, not in the routers: the scopes, the
`statements/read/mine` restriction (AU-5), the per-request statement checks, which attachment
data goes with a result (AT-20, AT-21) and the hand-off of stored statements to the outcome
engine.
"""
