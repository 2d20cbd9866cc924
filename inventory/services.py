"""Inventory: the operations. Services flush; the request commits."""
