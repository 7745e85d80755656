"""Multivariate drift: statistics of all features together (MMD), on one joint encoding."""
