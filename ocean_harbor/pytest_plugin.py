"""pytest plugin: a ``harbor`` fixture serving a fresh local Port (placeholder)."""
