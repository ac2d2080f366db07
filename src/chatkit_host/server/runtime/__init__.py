"""The ChatKit runtime: ``POST /chatkit``, the endpoint the chat UI talks to with a session's client secret."""
