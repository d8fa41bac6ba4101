"""ocean_harbor."""
