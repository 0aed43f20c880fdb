"""Records that cross the storage ports, ids, the clock and the exception family.

The bottom layer: it imports nothing else of `service`, so every other package may use it.
"""
