"""ConfigError: a refused config, with the path of the offending field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

PathPart = str | int


def format_path(parts: tuple[PathPart, ...]) -> str:
    """``('rules', 'income', 'warning')`` -> ``'rules.income.warning'``.

    List positions are shown as ``[0]`` and keys that are not plain names (spaces, dots)
    as ``['my key']``, so the path stays unambiguous.
    """
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


class ConfigError(ValueError):
    """A monitoring config was refused; ``str(err)`` starts with the offending field's path.

    Attributes
    ----------
    path : tuple
        Keys (str) and list positions (int) from the top of the config to the field.
    reason : str
        What is wrong with the field.

    Examples
    --------
    >>> str(ConfigError("must be a number", ("rules", "income", "warning")))
    'rules.income.warning: must be a number'
    """

    def __init__(self, reason: str, path: tuple[PathPart, ...] = ()):
        self.reason = reason
        self.path = tuple(path)
        super().__init__(f"{format_path(self.path)}: {reason}" if self.path else reason)

    def within(self, *prefix: PathPart) -> ConfigError:
        """The same error, one or more levels further down from the top."""
        return ConfigError(self.reason, (*prefix, *self.path))


@contextmanager
def nested(*prefix: PathPart) -> Iterator[None]:
    """Prefix the path of any ConfigError raised inside the block."""
    try:
        yield
    except ConfigError as err:
        raise err.within(*prefix) from None
