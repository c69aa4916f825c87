"""What jejak's data means: the touchpoint schema, journey definitions and presets."""
