"""Every model module, imported once so ``Base.metadata`` knows the whole schema.

Alembic's environment and the schema tests import this module. Each feature's
models live in their own module; add its import here.
"""

from storage import (
    feedback_models,
    lifecycle_models,
    models,
    pairing_models,
    privacy_models,
    prompt_models,
)

__all__ = [
    "feedback_models",
    "lifecycle_models",
    "models",
    "pairing_models",
    "privacy_models",
    "prompt_models",
]
