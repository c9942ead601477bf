"""The use cases every front end calls (the app, the CLI, the kiosk, web mode): typed
functions over the store, the sync client, the token and the document code."""
