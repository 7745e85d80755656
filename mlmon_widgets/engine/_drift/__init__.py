"""Drift: statistics, baselines, rules, severity, drift tables, thresholds, backtests, details."""
