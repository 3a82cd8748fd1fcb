def make_derivatives(photo) -> None:
    """Thumbnail and preview (owned by the library work)."""
