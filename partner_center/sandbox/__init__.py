"""Local Partner Center: a seeded world served over HTTP with the real paths, signing, errors and limits."""
