"""Point of sale: the operations. Services flush; the request commits."""
