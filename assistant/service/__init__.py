"""The service: the HTTP API, the gate every question passes and conversations shared by workers."""
