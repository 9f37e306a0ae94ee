"""Request schemas (pydantic 2) and their bridge to restx's Swagger 2.0 document."""
