"""REST input channel that keeps the request's ``metadata`` (client GPS fix, photo ids) on the message."""
from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request


class MetadataRestInput(RestInput):
    """Same webhook as ``rest`` (under /webhooks/metadata_rest/webhook), plus ``metadata`` passthrough."""

    @classmethod
    def name(cls) -> Text:
        return "metadata_rest"

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None
