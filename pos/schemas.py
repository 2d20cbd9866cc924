"""Point of sale: marshmallow schemas for every body."""
