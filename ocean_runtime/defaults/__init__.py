"""defaults."""
