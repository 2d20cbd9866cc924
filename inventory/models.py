"""Inventory: tables."""
