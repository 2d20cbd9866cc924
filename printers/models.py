"""Printers: tables."""
