"""programmes"""
