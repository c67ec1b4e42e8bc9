"""The HTTP interface of the complaints service: thin routers over the application."""
