"""Import the feature modules so their commands, actions, tasks and CLI verbs register."""

from bot import feedback_feature, pairing_feature, prompt_feature

__all__ = ["feedback_feature", "pairing_feature", "prompt_feature"]
