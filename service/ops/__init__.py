"""Operating the service: health checks, metrics, structured logs, configuration, admission.

HTTP-free: `make lint` checks that ops imports no FastAPI, Starlette or uvicorn, and no adapter.
"""
