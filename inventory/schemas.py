"""Inventory: marshmallow schemas for every body."""
