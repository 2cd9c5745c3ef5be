"""Persistence for allybot: the only package that knows SQL."""
