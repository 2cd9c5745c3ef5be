"""Import the feature modules so their commands, actions, tasks and CLI verbs register."""
