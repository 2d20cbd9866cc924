"""Printers: marshmallow schemas for every body."""
