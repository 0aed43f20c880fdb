"""xAPI Learning Record Store and middleware service."""

__version__ = "0.1.0"
