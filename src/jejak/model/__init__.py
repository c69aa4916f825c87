"""What jejak's data means: the touchpoint schema, journey definitions and presets."""

# the shipped journeys, each presets/NAME.yaml here; named in the CLI's help, so kept
# where naming them loads nothing
PRESETS = ("value-journey", "four-stage")
