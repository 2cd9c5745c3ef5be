"""Array type aliases shared by the engine modules.

Index arrays come both from explicit ``int64`` arrays and from numpy functions that
return the platform's ``intp``; the integer alias accepts either rather than forcing
casts, which would copy arrays of a million candidate pairs for the type checker's sake.
"""

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

Ints: TypeAlias = npt.NDArray[np.integer[Any]]
Bools: TypeAlias = npt.NDArray[np.bool_]
Floats: TypeAlias = npt.NDArray[np.floating[Any]]
