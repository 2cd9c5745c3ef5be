"""Import the feature modules so their commands, actions, tasks and CLI verbs register."""

from bot import pairing_feature, prompt_feature

__all__ = ["pairing_feature", "prompt_feature"]
