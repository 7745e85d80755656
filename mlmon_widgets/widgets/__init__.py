"""Interactive widgets (anywidget); the only layer that imports anywidget/ipywidgets/traitlets."""

from ._base import MlmonWidget
from ._control_chart import ControlChart
from ._heatmap import DriftHeatmap
from ._segment_breakdown import SegmentBreakdown
from ._shadow_comparison import ShadowComparison

__all__ = ["ControlChart", "DriftHeatmap", "MlmonWidget", "SegmentBreakdown", "ShadowComparison"]
