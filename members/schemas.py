"""Members: marshmallow schemas for every body."""
