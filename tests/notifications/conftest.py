from tests.notifications.support import fake_twilio, fake_twilio_server  # noqa: F401
