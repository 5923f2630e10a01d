"""Targets crmdeploy can deploy to; each is loaded only when its URL scheme is used."""
