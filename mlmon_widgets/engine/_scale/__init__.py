"""Drift on data that is not one pandas frame: Dask DataFrames and Arrow datasets.

The work of every window splits into per-piece partial results (a partition, a record
batch) that merge by addition (:mod:`.partials`), and a finish that turns the merged
partials into exactly the statistics of the in-memory engine (:mod:`.finish`). The pieces
come from a :mod:`.sources` adapter; :mod:`.run` puts the passes together.
"""
