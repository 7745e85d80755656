"""Segments: drift and performance broken down by the values of one or more columns."""
