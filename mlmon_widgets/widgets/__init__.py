"""Interactive widgets (anywidget); the only layer that imports anywidget/ipywidgets/traitlets."""

from ._base import MlmonWidget
from ._heatmap import DriftHeatmap

__all__ = ["DriftHeatmap", "MlmonWidget"]
