"""Configuration: where kyso keeps its files, and the validated settings."""
