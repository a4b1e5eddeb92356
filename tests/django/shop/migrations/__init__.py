"""The Login table."""
