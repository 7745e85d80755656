"""Data quality per window, retraining events, and the judgement of quality rates."""
