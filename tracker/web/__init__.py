"""The tracker on the web: server-rendered pages, a versioned HTTP API, accounts and roles, the review queue."""
