"""Reports as residents make them: accepting one from any channel (idempotent), its photos, its view."""
