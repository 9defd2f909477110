"""The Qt desktop layer. Only this package may import Qt."""
