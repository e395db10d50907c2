"""Software-defined assets, in pipeline order."""
