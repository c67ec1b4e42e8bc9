"""What every Redress service needs around its domain: storage wiring, HTTP conventions,
authentication, idempotency. Nothing here knows about complaints."""
