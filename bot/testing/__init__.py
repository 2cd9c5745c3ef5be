"""Test doubles shipped with allybot (a Slack Web API fake) for tests and the offline sandbox."""
