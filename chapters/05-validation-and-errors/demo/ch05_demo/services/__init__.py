"""Logic without HTTP: services raise ``ApiError`` subclasses, never build responses."""
