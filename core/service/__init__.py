"""The use cases every front end shares (the app, the CLI, the kiosk, web mode)."""
