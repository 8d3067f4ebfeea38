# No states at all.
