"""Statement forwarding: targets, their filters, and the background sender (issue 5)."""
