"""The wire contract: pydantic v2 models of xAPI objects and of the service's own documents."""
