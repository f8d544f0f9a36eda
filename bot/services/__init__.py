"""Domain services, one module per area. Each takes the session first, flushes, never commits."""
