"""The expert pool (guide 五). Expert accounts exist already (portal.User, role expert)."""
