"""Parameter handling shared by the estimators, as scikit-learn's ``BaseEstimator``.

``get_params``, ``set_params`` and a ``repr`` that shows the parameters which
differ from their defaults, read from ``__init__``'s signature, so ``clone``,
``Pipeline`` and ``GridSearchCV`` work without scikit-learn being needed.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np


class ParamsMixin:
    """``get_params`` / ``set_params`` / ``repr`` from ``__init__``'s signature."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this estimator, as passed to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Any:
        """Set parameters by name; returns self."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {valid}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults[name]
            if (
                isinstance(value, np.ndarray)
                or value is not default
                and (not isinstance(value, type(default)) or value != default)
            ):
                shown = "array" if isinstance(value, np.ndarray) else repr(value)
                changed.append(f"{name}={shown}")
        return f"{type(self).__name__}({', '.join(changed)})"
