"""The demo's logic, free of HTTP: api/ translates its exceptions into problem details."""
