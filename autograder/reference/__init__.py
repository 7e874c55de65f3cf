"""PyTorch reference implementations, computed in float64, taking and returning numpy arrays."""
