"""Spec models: one module per area of the ТЗ, and the root `Spec`."""
