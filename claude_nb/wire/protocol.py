"""What claude_nb's own endpoint (demo mode) and its transport agree on, beyond the
Messages API: kept apart so the streaming path never imports the endpoint."""

NOTE_HEADER = "claude-nb-note"
"""A response header on recorded answers: the note a view shows for them. The real
API sends no such header."""
