"""Shadow comparisons: a challenger scored on the same rows as the live model."""
