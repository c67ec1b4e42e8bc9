"""`redress up`: the whole system on a developer's machine. Every service as a process of
its own with prefixed logs (`supervisor`), on SQLite files under ./var or the local
PostgreSQL (`databases`), linked by service keys with the sandbox provider registered at the
gateway (`links`), with development keys kept under ./var and reused (`keys`)."""
