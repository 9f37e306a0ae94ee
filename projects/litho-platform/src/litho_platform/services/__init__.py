"""Business logic behind the thin API resources: users, tokens, datasets, analyses, health."""
