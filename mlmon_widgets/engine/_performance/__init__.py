"""Model performance per window with delayed labels, and per-row errors for detectors."""
