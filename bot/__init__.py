"""allybot: allyship buddy programmes for Slack."""
