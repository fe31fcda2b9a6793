"""Training sessions, registrations, attendance and certificates (built on the registry)."""
