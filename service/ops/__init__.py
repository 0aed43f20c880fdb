"""Operating the service: health checks, metrics, structured logs, configuration, backups.

HTTP-free (ARCHITECTURE: only api/, app.py and auth.py import FastAPI or Starlette).
"""
