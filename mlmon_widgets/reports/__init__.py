"""Reports for people: the demo's findings in a terminal, a demo batch and config to try.

This module is the reports layer's one door (the ``mlmon`` command reads it). Reports are
built from the engine's and the config's public results; they compute no statistic of
their own.
"""

from ._demo import demo_findings, write_demo_batch, write_demo_config
from ._text import fit_table, short

__all__ = ["demo_findings", "fit_table", "short", "write_demo_batch", "write_demo_config"]
