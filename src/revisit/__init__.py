"""Revisit: customer tiering and revisit system."""
