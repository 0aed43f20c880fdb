"""`python -m service migrate`: copy a whole LRS from one store to another (Transfer ports)."""
