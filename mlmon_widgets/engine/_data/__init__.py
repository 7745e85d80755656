"""Columns, roles and windows: reading a frame and cutting it into windows (also live)."""
