"""Python bindings for a native solver."""

from .problem import Problem

__all__ = ["Problem"]
