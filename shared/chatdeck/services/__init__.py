"""The use cases, one service per area: they depend on ports and the domain, never adapters."""
