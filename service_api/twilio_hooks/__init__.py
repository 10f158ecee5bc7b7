"""Twilio webhooks: inbound SMS, the voice hotline (IVR), and message/call status callbacks."""
