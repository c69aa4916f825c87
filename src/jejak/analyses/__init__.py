"""One module per question a user asks of their touchpoints."""
