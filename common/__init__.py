"""What every app shares, and nothing of any app: errors, Chinese dates and text, request helpers,
form helpers and the view helper that runs a service. The bottom layer (docs/architecture.md)."""
